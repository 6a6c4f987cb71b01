import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, startServer, type RunningServer } from "./server";

// SDK heartbeats take the body size every ingest endpoint takes (TRACEDECK_MAX_BODY_BYTES, 20 MiB by default) in the
// production server. Next buffers the body of a request its proxy (proxy.ts) sees and passes on only its first 10 MB:
// were the path ever matched there, the 12 MiB batch would reach the route cut short and be refused as broken JSON.

const MiB = 1024 * 1024;
const lastError = (n: number) => `attempt ${n}: ${"connection reset by peer; ".repeat(150)}`;

let server: RunningServer;
let key: string;

beforeAll(async () => {
  server = await startServer({});
  key = await createKey(server.env, "ingest,read");
});
afterAll(async () => {
  await server?.stop();
});

/** Heartbeats of publishers `<prefix>-<n>`, each with a long last error, until the body is `bytes` long or more. */
function heartbeats(prefix: string, bytes: number): { body: string; count: number } {
  const items: string[] = [];
  let length = '{"publishers":[]}'.length;
  while (length < bytes) {
    const n = items.length;
    const item = JSON.stringify({
      name: `${prefix}-${n}`,
      type: "webhook",
      target: `https://sink-${n}.example/hook`,
      state: "failing",
      last_error: lastError(n),
      last_error_at: "2026-11-22T10:00:00Z",
      sent_count: n,
      failed_count: 1,
      backlog: n % 1000,
    });
    items.push(item);
    length += item.length + 1;
  }
  return { body: `{"publishers":[${items.join(",")}]}`, count: items.length };
}

const post = (body: string) =>
  fetch(`${server.url}/api/v1/publishers/status`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body,
  });

async function storedPublishers(prefix: string): Promise<{ name: string; sent_count: number; last_error: string }[]> {
  const response = await fetch(`${server.url}/api/v1/publishers`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  const { publishers } = (await response.json()) as {
    publishers: { name: string; sent_count: number; last_error: string }[];
  };
  return publishers.filter((p) => p.name.startsWith(`${prefix}-`));
}

describe("POST /api/v1/publishers/status", () => {
  it("stores every heartbeat of a 12 MiB batch", async () => {
    const prefix = "big";
    const { body, count } = heartbeats(prefix, 12 * MiB);
    expect(body.length).toBeGreaterThan(12 * MiB);

    const response = await post(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: count, rejected: 0, errors: [] });

    const stored = await storedPublishers(prefix);
    expect(stored).toHaveLength(count);
    const byName = new Map(stored.map((p) => [p.name, p]));
    for (let n = 0; n < count; n++) {
      const publisher = byName.get(`${prefix}-${n}`);
      expect(publisher?.sent_count, `${prefix}-${n}`).toBe(n);
      expect(publisher?.last_error, `${prefix}-${n}`).toBe(lastError(n));
    }
    // what Next logs when it cuts a body short
    expect(server.output()).not.toMatch(/Request body exceeded/);
  });

  it("answers 413 with the error envelope to a batch over 20 MiB, and stores none of it", async () => {
    const prefix = "too-big";
    const { body } = heartbeats(prefix, 21 * MiB);

    const response = await post(body);
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(await response.json()).toEqual({
      error: { code: "payload_too_large", message: expect.stringContaining(String(20 * MiB)) },
    });
    expect(await storedPublishers(prefix)).toEqual([]);
  });
});
