import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "@/lib/errors";
import { isPrivateAddress } from "./addresses";
import { targetGuard, type TargetGuard } from "./egress";
import { ElasticsearchTarget } from "./elasticsearch";
import { SendFailure } from "./failure";
import type { ForwardedRecord } from "./records";
import { GuardedPoster, MAX_REDIRECTS } from "./request";
import { checkTargets } from "./targets";

// The guard against loopback receivers: production's rules (no private address), except what a test lets through
// by address and port, and host names that a test resolves itself.

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A loopback server counting the requests it got. */
async function server(handler: Handler = (_q, s) => s.end("ok"), host = "127.0.0.1") {
  let requests = 0;
  const s = createServer((q, r) => {
    requests += 1;
    handler(q, r);
  });
  s.listen(0, host);
  await once(s, "listening");
  closers.push(() => s.close());
  const port = (s.address() as AddressInfo).port;
  return { port, url: `http://${host}:${port}`, requests: () => requests };
}

/** No private address, except these loopback ports; names resolved from `names` (any other does not resolve). */
function guard(allowedPorts: number[], names: Record<string, string> = {}) {
  const lookups: string[] = [];
  const g: TargetGuard = {
    allows: (address, port) => !isPrivateAddress(address) || (address === "127.0.0.1" && allowedPorts.includes(port)),
    lookup: async (hostname) => {
      lookups.push(hostname);
      const address = names[hostname];
      if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return [{ address, family: address.includes(":") ? 6 : 4 }];
    },
  };
  return { guard: g, lookups };
}

function poster(g: TargetGuard) {
  const p = new GuardedPoster(g);
  closers.push(() => p.close());
  return p;
}

const post = (p: GuardedPoster, url: string) =>
  p.post(url, { headers: { "content-type": "text/plain" }, body: "x", signal: AbortSignal.timeout(5000) });

describe("publisher connections", () => {
  it("are refused to a private address, named in the error, before anything is sent", async () => {
    const target = await server();
    const refused = post(poster(guard([]).guard), `${target.url}/hook`);
    await expect(refused).rejects.toBeInstanceOf(SendFailure);
    await expect(refused).rejects.toThrow(
      "the target is a private address (127.0.0.1); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    );
    expect(target.requests()).toBe(0);
  });

  it("are refused to a public-looking name that resolves to loopback", async () => {
    const target = await server();
    const { guard: g } = guard([], { "hooks.example.com": "127.0.0.1" });
    await expect(post(poster(g), `http://hooks.example.com:${target.port}/hook`)).rejects.toThrow(
      "the target hooks.example.com resolves to a private address (127.0.0.1); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    );
    expect(target.requests()).toBe(0);
  });

  it("go to the address the guard checked: the name is resolved once, by the guard, not again by the socket", async () => {
    const target = await server();
    // a name the system resolver does not know: the request can only arrive if the socket used the guard's answer
    const { guard: g, lookups } = guard([target.port], { "rebind.example.test": "127.0.0.1" });
    expect(await post(poster(g), `http://rebind.example.test:${target.port}/hook`)).toBe(200);
    expect(lookups).toEqual(["rebind.example.test"]);
    expect(target.requests()).toBe(1);
  });

  it("follow a 307/308 redirect only where the guard allows: a hop to a private address is refused", async () => {
    const inside = await server();
    const allowed = await server((_q, s) => s.writeHead(307, { location: `${inside.url}/admin` }).end());
    const { guard: g } = guard([allowed.port]);
    await expect(post(poster(g), `${allowed.url}/hook`)).rejects.toThrow(
      "the target is a private address (127.0.0.1); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    );
    expect(allowed.requests()).toBe(1);
    expect(inside.requests()).toBe(0);

    const bounce = await server((q, s) =>
      q.url === "/moved" ? s.end("ok") : s.writeHead(308, { location: "/moved" }).end(),
    );
    expect(await post(poster(guard([bounce.port]).guard), `${bounce.url}/hook`)).toBe(200);
    expect(bounce.requests()).toBe(2);
  });

  it("stop following redirects after a few, and do not follow one that would turn the POST into a GET", async () => {
    const loop = await server((_q, s) => s.writeHead(307, { location: "/again" }).end());
    await expect(post(poster(guard([loop.port]).guard), loop.url)).rejects.toThrow(
      `the target redirected more than ${MAX_REDIRECTS} times`,
    );
    expect(loop.requests()).toBe(MAX_REDIRECTS + 1);
    const found = await server((_q, s) => s.writeHead(302, { location: "/elsewhere" }).end());
    expect(await post(poster(guard([found.port]).guard), found.url)).toBe(302);
    expect(found.requests()).toBe(1);
  });

  it("that fail say so in Tracedeck's words", async () => {
    const gone = await server();
    closers.splice(0).forEach((close) => close());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(post(poster(guard([gone.port]).guard), gone.url)).rejects.toThrow(
      `could not connect to 127.0.0.1:${gone.port}: connection refused`,
    );
    await expect(post(poster(guard([]).guard), "http://nowhere.example.test/")).rejects.toThrow(
      "could not resolve nowhere.example.test",
    );
  });
});

const record: ForwardedRecord = {
  signal: "pipeline_events",
  id: "pipeline_event:t1",
  timeMs: Date.UTC(2026, 2, 14),
  document: { task_id: "t1" },
};

/** A loopback stand-in for an Elasticsearch node: answers bulk requests as `answer` says. */
async function elasticsearch(answer: (request: IncomingMessage) => [number, unknown]) {
  const seen: IncomingMessage["headers"][] = [];
  const node = await server((q, s) => {
    seen.push(q.headers);
    q.resume();
    q.on("end", () => {
      const [status, body] = answer(q);
      s.writeHead(status, { "content-type": "application/json", "x-elastic-product": "Elasticsearch" });
      s.end(typeof body === "string" ? body : JSON.stringify(body));
    });
  });
  return { ...node, seen };
}

function esTarget(nodes: string[], g: TargetGuard, auth?: { apiKey: string }) {
  const t = new ElasticsearchTarget({ nodes, indexPrefix: "td", timeoutMs: 5000, guard: g, ...(auth ? { auth } : {}) });
  closers.push(() => void t.close());
  return t;
}

describe("Elasticsearch connections", () => {
  it("go through the guard: refused to a private node, sent to an allowed one under a resolved name", async () => {
    const node = await elasticsearch(() => [200, { errors: false, took: 1, items: [] }]);
    const refused = esTarget([node.url], guard([]).guard).send([record], AbortSignal.timeout(5000));
    await expect(refused).rejects.toThrow(
      "the target is a private address (127.0.0.1); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    );
    await expect(
      esTarget([`http://es.example.com:${node.port}`], guard([], { "es.example.com": "127.0.0.1" }).guard).send(
        [record],
        AbortSignal.timeout(5000),
      ),
    ).rejects.toThrow("the target es.example.com resolves to a private address (127.0.0.1)");
    expect(node.requests()).toBe(0);

    const { guard: g } = guard([node.port], { "es.example.test": "127.0.0.1" });
    const target = esTarget([`http://es.example.test:${node.port}`], g, { apiKey: "k-es" });
    expect(await target.send([record], AbortSignal.timeout(5000))).toEqual({ rejected: 0 });
    expect(node.seen[0]?.authorization).toBe("ApiKey k-es");
  });

  it("that fail show the status and the error type only, never the text of the answer", async () => {
    const failing = await elasticsearch(() => [
      500,
      { error: { type: "MARKER exception", reason: "MARKER-secret-body" } },
    ]);
    const send = esTarget([failing.url], guard([failing.port]).guard).send([record], AbortSignal.timeout(5000));
    await expect(send).rejects.toThrow(/^Elasticsearch answered 500$/);

    const refusing = await elasticsearch(() => [
      200,
      {
        errors: true,
        took: 1,
        items: [
          { index: { _index: "td-x", status: 400, error: { type: "mapper_parsing_exception", reason: "MARKER" } } },
        ],
      },
    ]);
    const delivery = await esTarget([refusing.url], guard([refusing.port]).guard).send(
      [record],
      AbortSignal.timeout(5000),
    );
    expect(delivery).toEqual({
      rejected: 1,
      retry: [],
      error: "td-pipeline-events-2026.03.14: Elasticsearch answered 400 (mapper_parsing_exception)",
    });
  });
});

describe("publisher targets, when saved", () => {
  const check = (type: "webhook" | "elasticsearch" | "composite", config: Record<string, unknown>, g: TargetGuard) =>
    checkTargets(type, config, g).then(
      () => undefined,
      (error: unknown) => error,
    );

  it("are refused when a private address, or a name that resolves to one: a 400 naming the field", async () => {
    const { guard: g } = guard([], { "metrics.example.com": "10.0.0.5" });
    for (const url of [
      "http://127.0.0.1:9200",
      "http://0.0.0.0/",
      "http://[::1]:8080/",
      "http://[::ffff:127.0.0.1]/",
      "http://169.254.169.254/latest/meta-data",
      "http://192.168.1.10/hook",
      "http://100.64.0.1/hook",
      "http://[fd00::1]/hook",
      "http://2130706433/hook", // 127.0.0.1 written as a number
    ]) {
      const error = await check("webhook", { url }, g);
      expect(error, url).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: "validation_failed", details: [{ path: "config.url" }] });
      expect((error as Error).message, url).toMatch(
        /^invalid webhook config: config\.url: the target is a private address/,
      );
    }
    expect(await check("webhook", { url: "https://metrics.example.com/hook" }, g)).toMatchObject({
      message:
        "invalid webhook config: config.url: the target metrics.example.com resolves to a private address (10.0.0.5); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    });
    expect(await check("elasticsearch", { hosts: ["http://8.8.8.8:9200", "http://10.1.1.1:9200"] }, g)).toMatchObject({
      details: [{ path: "config.hosts.1" }],
    });
    expect(
      await check("composite", { publishers: [{ type: "webhook", config: { url: "http://127.0.0.1/x" } }] }, g),
    ).toMatchObject({ details: [{ path: "config.publishers.0.config.url" }] });
  });

  it("are saved when public, when allowed, or when the name does not resolve yet (the send reports it)", async () => {
    const { guard: g } = guard([9200]);
    expect(await check("webhook", { url: "https://8.8.8.8/hook" }, g)).toBeUndefined();
    expect(await check("webhook", { url: "http://127.0.0.1:9200/hook" }, g)).toBeUndefined();
    expect(await check("webhook", { url: "https://not-yet.example.test/hook" }, g)).toBeUndefined();
    expect(await check("webhook", { url: "http://10.0.0.5/hook" }, targetGuard(true))).toBeUndefined();
    expect(await check("webhook", { url: "http://10.0.0.5/hook" }, targetGuard(["10.0.0.0/8"]))).toBeUndefined();
    expect(await check("webhook", { url: "http://10.0.0.5/hook" }, targetGuard(["10.1.0.0/16"]))).toMatchObject({
      code: "validation_failed",
    });
  });
});
