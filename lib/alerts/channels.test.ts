import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import type { ChannelType } from "@/db/schema";
import { targetGuard, type TargetGuard } from "@/lib/publishers/egress";
import { signature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "@/lib/publishers/webhook";
import { ChannelConfigs, ChannelFailure, channelSender } from "./channels";
import type { AlertMessage } from "./message";

// Each channel against a receiver of its kind on loopback (which only a guard that allows private targets lets
// through): what arrives, and which failures are worth retrying.

const closers: (() => unknown)[] = [];
afterEach(async () => {
  // senders first, so that no connection keeps a server waiting
  for (const close of closers.splice(0).reverse()) await close();
});

const loopback = targetGuard(true);
const soon = () => AbortSignal.timeout(5000);

const firing: AlertMessage = {
  status: "firing",
  project: "shop",
  rule_id: "5f0c7a52-3d6b-4f3e-9a51-0b8f1c2d3e4f",
  rule: "checkout latency",
  severity: "critical",
  group: "region=eu",
  labels: { region: "eu" },
  condition: "checkout p95_ms > 500 ms over 5 min",
  value: 742.5,
  value_text: "743 ms",
  threshold: 500,
  from_state: "pending",
  to_state: "firing",
  at: "2024-05-01T12:00:00.000Z",
  url: "https://tracedeck.example.com/services/checkout?project=shop&from=2024-05-01T11%3A00%3A00.000Z&to=2024-05-01T12%3A00%3A00.000Z",
  alert_url: "https://tracedeck.example.com/alerts?project=shop&rule=5f0c7a52-3d6b-4f3e-9a51-0b8f1c2d3e4f",
  summary: "[CRITICAL] checkout latency [region=eu] is firing: checkout p95_ms > 500 ms over 5 min (now 743 ms)",
};

const resolved: AlertMessage = {
  ...firing,
  status: "resolved",
  value: 120,
  value_text: "120 ms",
  from_state: "firing",
  to_state: "resolved",
  at: "2024-05-01T12:10:00.000Z",
  summary: "[RESOLVED] checkout latency [region=eu]: checkout p95_ms > 500 ms over 5 min no longer holds (now 120 ms)",
};

const testMessage: AlertMessage = { ...firing, status: "test", summary: "Test message from Tracedeck" };

function sender(type: ChannelType, config: Record<string, unknown>, guard: TargetGuard = loopback) {
  const s = channelSender(type, ChannelConfigs[type].parse(config), guard);
  closers.push(() => s.close());
  return s;
}

async function listening(server: Server, port = 0) {
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver on loopback keeping what it got and answering as `answer` says. */
async function receiver(answer: (body: string) => { status: number; body?: string } = () => ({ status: 200 })) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ headers: request.headers, body });
      const { status, body: answerBody = "" } = answer(body);
      response.writeHead(status, { "content-type": "application/json" }).end(answerBody);
    });
  });
  const port = await listening(server);
  return { url: `http://127.0.0.1:${port}/hook`, received };
}

/** A port nothing listens on. */
async function closedPort() {
  const server = createTcpServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function failure(sent: Promise<void>): Promise<ChannelFailure> {
  const error = await sent.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelFailure);
  return error as ChannelFailure;
}

describe("channel configs", () => {
  it("fill in the defaults", () => {
    expect(
      ChannelConfigs.email.parse({ host: "smtp.example.com", from: "alerts@example.com", to: ["ops@example.com"] }),
    ).toMatchObject({ port: 587, secure: false });
    expect(ChannelConfigs.pagerduty.parse({ routing_key: "R0UT1NGK3Y" }).url).toBe(
      "https://events.pagerduty.com/v2/enqueue",
    );
  });

  it("refuse what cannot be sent to", () => {
    expect(ChannelConfigs.webhook.safeParse({ url: "ftp://example.com/hook" }).success).toBe(false);
    expect(ChannelConfigs.webhook.safeParse({ url: "https://user:pw@example.com/hook" }).success).toBe(false);
    expect(ChannelConfigs.slack.safeParse({ url: "not a url" }).success).toBe(false);
    const email = { host: "smtp.example.com", from: "alerts@example.com" };
    expect(ChannelConfigs.email.safeParse({ ...email, to: [] }).success).toBe(false);
    expect(ChannelConfigs.email.safeParse({ ...email, to: ["ops"] }).success).toBe(false);
    expect(ChannelConfigs.email.safeParse({ ...email, to: Array(21).fill("ops@example.com") }).success).toBe(false);
    expect(ChannelConfigs.pagerduty.safeParse({ routing_key: "" }).success).toBe(false);
  });
});

describe("webhook channel", () => {
  it("posts the message as JSON, signed with the secret as the webhook publisher signs", async () => {
    const hook = await receiver();
    const secret = "a-signing-secret-of-some-length";
    await sender("webhook", { url: hook.url, secret }).send(firing, soon());

    expect(hook.received).toHaveLength(1);
    const [{ headers, body }] = hook.received as [Received];
    expect(JSON.parse(body)).toEqual({ type: "alert", ...firing });
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["user-agent"]).toBe("tracedeck-alerts");
    const timestamp = headers[TIMESTAMP_HEADER] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(headers[SIGNATURE_HEADER]).toBe(signature(secret, timestamp, body));
  });

  it("is unsigned without a secret", async () => {
    const hook = await receiver();
    await sender("webhook", { url: hook.url, secret: "" }).send(firing, soon());
    expect(hook.received[0]?.headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it.each([
    [500, false],
    [503, false],
    [408, false],
    [429, false],
    [400, true],
    [401, true],
    [403, true],
    [404, true],
  ])("answered %i fails, permanently: %s, without the answer's body", async (status, permanent) => {
    const hook = await receiver(() => ({ status, body: "internal detail of the receiver" }));
    const error = await failure(sender("webhook", { url: hook.url }).send(firing, soon()));
    expect(error.message).toBe(`webhook answered ${status}`);
    expect(error.permanent).toBe(permanent);
  });

  it("is refused a private address by the default guard, before anything is sent", async () => {
    const hook = await receiver();
    const error = await failure(sender("webhook", { url: hook.url }, targetGuard(false)).send(firing, soon()));
    expect(error.message).toContain("TRACEDECK_ALLOW_PRIVATE_TARGETS");
    expect(error.permanent).toBe(false);
    expect(hook.received).toHaveLength(0);
  });

  it("fails soon, to be retried, when nothing listens", async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await failure(sender("webhook", { url: `http://127.0.0.1:${port}/hook` }).send(firing, soon()));
    expect(error.message).toBe(`could not connect to 127.0.0.1:${port}: connection refused`);
    expect(error.permanent).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("slack channel", () => {
  it("posts the summary as the text and the details in a section with links", async () => {
    const slack = await receiver(() => ({ status: 200, body: "ok" }));
    await sender("slack", { url: slack.url }).send(firing, soon());

    const posted = JSON.parse(slack.received[0]!.body) as {
      text: string;
      blocks: { type: string; text: { type: string; text: string } }[];
    };
    expect(posted.text).toBe(firing.summary.replace(/>/g, "&gt;"));
    expect(posted.blocks).toHaveLength(1);
    expect(posted.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });
    const section = posted.blocks[0]!.text.text;
    expect(section).toContain("*Rule:* checkout latency");
    expect(section).toContain("*Severity:* critical");
    expect(section).toContain("*Condition:* checkout p95_ms &gt; 500 ms over 5 min");
    expect(section).toContain("*Value:* 743 ms (threshold 500)");
    expect(section).toContain("*Group:* region=eu");
    expect(section).toContain(`<${firing.url.replace(/&/g, "&amp;")}|Open in Tracedeck>`);
    expect(section).toContain(`<${firing.alert_url.replace(/&/g, "&amp;")}|the alert>`);
  });

  it("keeps Slack's markup in a rule's name from acting", async () => {
    const slack = await receiver();
    const rule = "<!channel> checkout";
    await sender("slack", { url: slack.url }).send({ ...firing, rule, summary: `${rule} is firing` }, soon());

    const posted = JSON.parse(slack.received[0]!.body) as { text: string; blocks: { text: { text: string } }[] };
    expect(posted.text).toBe("&lt;!channel&gt; checkout is firing");
    expect(posted.blocks[0]!.text.text).not.toContain("<!channel>");
  });

  it("gives up on a webhook Slack no longer knows", async () => {
    const slack = await receiver(() => ({ status: 404, body: "no_service" }));
    const error = await failure(sender("slack", { url: slack.url }).send(firing, soon()));
    expect(error.message).toBe("Slack answered 404");
    expect(error.permanent).toBe(true);
  });
});

describe("pagerduty channel", () => {
  const routingKey = "R0UT1NGK3YR0UT1NGK3YR0UT1NGK3Y12";

  interface Event {
    routing_key: string;
    event_action: string;
    dedup_key: string;
    payload: Record<string, unknown>;
    links: unknown;
    client: string;
    client_url: string;
  }

  /** A stand-in for the Events API v2: it takes events for one routing key. */
  async function eventsApi() {
    const events: Event[] = [];
    const api = await receiver((body) => {
      const event = JSON.parse(body) as Event;
      if (event.routing_key !== routingKey) return { status: 400, body: '{"status":"invalid event"}' };
      events.push(event);
      return {
        status: 202,
        body: JSON.stringify({ status: "success", message: "Event processed", dedup_key: event.dedup_key }),
      };
    });
    return { url: api.url, events };
  }

  it("triggers an incident when the rule fires and resolves the same one when it clears", async () => {
    const api = await eventsApi();
    const pagerduty = sender("pagerduty", { routing_key: routingKey, url: api.url });
    await pagerduty.send(firing, soon());
    await pagerduty.send(resolved, soon());

    const [trigger, resolve] = api.events as [Event, Event];
    expect(trigger).toEqual({
      routing_key: routingKey,
      event_action: "trigger",
      dedup_key: `${firing.rule_id}/region=eu`,
      payload: {
        summary: firing.summary,
        source: "tracedeck/shop",
        severity: "critical",
        timestamp: firing.at,
        custom_details: {
          condition: firing.condition,
          value: 742.5,
          value_text: "743 ms",
          threshold: 500,
          group: "region=eu",
          labels: { region: "eu" },
        },
      },
      links: [{ href: firing.url, text: "Open in Tracedeck" }],
      client: "Tracedeck",
      client_url: firing.alert_url,
    });
    expect(resolve.event_action).toBe("resolve");
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
  });

  it("keys an ungrouped rule's incident by the rule, and a test by nothing of a rule's", async () => {
    const api = await eventsApi();
    const pagerduty = sender("pagerduty", { routing_key: routingKey, url: api.url });
    await pagerduty.send({ ...firing, group: "", labels: {} }, soon());
    await pagerduty.send(testMessage, soon());

    const [ungrouped, tested] = api.events as [Event, Event];
    expect(ungrouped.dedup_key).toBe(firing.rule_id);
    expect(tested.event_action).toBe("trigger");
    expect(tested.dedup_key).toMatch(/^tracedeck-test-/);
  });

  it("cuts a summary to PagerDuty's 1024 characters", async () => {
    const api = await eventsApi();
    await sender("pagerduty", { routing_key: routingKey, url: api.url }).send(
      { ...firing, summary: "x".repeat(2000) },
      soon(),
    );
    expect((api.events[0]!.payload.summary as string).length).toBe(1024);
  });

  it("retries after a 500 and gives up after a 400", async () => {
    const down = await receiver(() => ({ status: 500 }));
    const retried = await failure(sender("pagerduty", { routing_key: routingKey, url: down.url }).send(firing, soon()));
    expect(retried.message).toBe("PagerDuty answered 500");
    expect(retried.permanent).toBe(false);

    const api = await eventsApi();
    const refused = await failure(sender("pagerduty", { routing_key: "wrong", url: api.url }).send(firing, soon()));
    expect(refused.message).toBe("PagerDuty answered 400");
    expect(refused.permanent).toBe(true);
  });
});

describe("email channel", () => {
  interface Mail {
    from: string | false;
    to: string[];
    user: string | undefined;
    raw: string;
  }

  /** An SMTP server on loopback that speaks plain SMTP (no STARTTLS) and keeps what it got. */
  async function smtpServer(options: SMTPServerOptions = {}) {
    const mails: Mail[] = [];
    const server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ["STARTTLS"],
      closeTimeout: 100,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          mails.push({
            from: session.envelope.mailFrom && session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            raw: Buffer.concat(chunks).toString(),
          });
          callback();
        });
      },
      ...options,
    });
    server.listen(0, "127.0.0.1");
    await once(server.server, "listening");
    closers.push(() => new Promise<void>((resolve) => server.close(resolve)));
    return { port: (server.server.address() as AddressInfo).port, mails };
  }

  const mailConfig = (port: number, more: Record<string, unknown> = {}) => ({
    host: "127.0.0.1",
    port,
    from: "alerts@tracedeck.example.com",
    to: ["ops@example.com", "oncall@example.com"],
    ...more,
  });

  /** A header, unfolded. */
  const header = (raw: string, name: string) =>
    new RegExp(`^${name}: (.*(?:\\r\\n[ \\t].*)*)`, "mi").exec(raw)?.[1]?.replace(/\r\n[ \t]/g, " ");

  /** The text part, quoted-printable decoded. */
  const textPart = (raw: string) => {
    const part = /Content-Type: text\/plain[^]*?\r\n\r\n([^]*?)\r\n--/i.exec(raw)?.[1] ?? "";
    const bytes = part
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  };

  it("sends the summary as the subject and the details with both links in the body", async () => {
    const smtp = await smtpServer();
    await sender("email", mailConfig(smtp.port)).send(firing, soon());

    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails as [Mail];
    expect(mail.from).toBe("alerts@tracedeck.example.com");
    expect(mail.to).toEqual(["ops@example.com", "oncall@example.com"]);
    expect(mail.user).toBeUndefined();
    expect(header(mail.raw, "Subject")).toBe(firing.summary);
    expect(header(mail.raw, "From")).toBe("alerts@tracedeck.example.com");
    expect(header(mail.raw, "To")).toBe("ops@example.com, oncall@example.com");
    const text = textPart(mail.raw);
    expect(text).toContain("Value: 743 ms (threshold 500)");
    expect(text).toContain("State: firing (was pending)");
    expect(text).toContain(`Open in Tracedeck: ${firing.url}`);
    expect(text).toContain(`The alert: ${firing.alert_url}`);
    expect(mail.raw).toMatch(/Content-Type: text\/html/i);
  });

  it("logs in with the username and password, and gives up when they are refused", async () => {
    const smtp = await smtpServer({
      authOptional: false,
      onAuth(auth, _session, callback) {
        if (auth.username === "alerts" && auth.password === "s3cret") return callback(null, { user: auth.username });
        callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      },
    });
    await sender("email", mailConfig(smtp.port, { username: "alerts", password: "s3cret" })).send(firing, soon());
    expect(smtp.mails.map((m) => m.user)).toEqual(["alerts"]);

    const error = await failure(
      sender("email", mailConfig(smtp.port, { username: "alerts", password: "wrong" })).send(firing, soon()),
    );
    expect(error.message).toBe(`mail server 127.0.0.1:${smtp.port} answered 535 to AUTH PLAIN`);
    expect(error.permanent).toBe(true);
  });

  it("retries a recipient refused for now and gives up on one refused for good", async () => {
    let code = 451;
    const smtp = await smtpServer({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error("mailbox detail the server should keep"), { responseCode: code }));
      },
    });
    const later = await failure(sender("email", mailConfig(smtp.port)).send(firing, soon()));
    expect(later.message).toMatch(/^mail server 127\.0\.0\.1:\d+ answered 451/);
    expect(later.message).not.toContain("mailbox detail");
    expect(later.permanent).toBe(false);

    code = 550;
    const never = await failure(sender("email", mailConfig(smtp.port)).send(firing, soon()));
    expect(never.message).toMatch(/^mail server 127\.0\.0\.1:\d+ answered 550/);
    expect(never.permanent).toBe(true);
  });

  it("is refused a private address by the default guard", async () => {
    const smtp = await smtpServer();
    const error = await failure(sender("email", mailConfig(smtp.port), targetGuard(false)).send(firing, soon()));
    expect(error.message).toContain("TRACEDECK_ALLOW_PRIVATE_TARGETS");
    expect(smtp.mails).toHaveLength(0);
  });

  it("fails soon, to be retried, when nothing listens", async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await failure(sender("email", mailConfig(port)).send(firing, soon()));
    expect(error.message).toBe(`could not connect to 127.0.0.1:${port}: connection refused`);
    expect(error.permanent).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("stops waiting for a server that never greets when the signal aborts", async () => {
    const silent = createTcpServer(() => undefined);
    const port = await listening(silent);
    const started = Date.now();
    const error = await failure(sender("email", mailConfig(port)).send(firing, AbortSignal.timeout(200)));
    expect(error.message).toBe(`no answer from 127.0.0.1:${port} within the timeout`);
    expect(error.permanent).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
