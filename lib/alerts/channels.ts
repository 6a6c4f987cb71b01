import { createHash, randomUUID } from "node:crypto";
import { isIP } from "node:net";
import nodemailer, { type NodemailerError } from "nodemailer";
import { z } from "zod";
import type { ChannelType } from "@/db/schema";
import { allowedAddresses, type TargetGuard } from "@/lib/publishers/egress";
import { answered, describeCode, describeFailure, hostPort, SendFailure } from "@/lib/publishers/failure";
import { GuardedPoster } from "@/lib/publishers/request";
import { signature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "@/lib/publishers/webhook";
import type { AlertMessage } from "./message";

// The channels a notification goes through. Each connects only where the target guard allows, as a
// publisher does, and words its failures itself: a channel's target is anything an admin typed, and
// its answer is not theirs to read. A failure says whether retrying can help, so the outbox gives up
// at once on a target that refuses the message (a wrong URL, a revoked key) rather than after hours.

/** Whether a URL names a user or password, which would show wherever the channel is shown. */
const hasUserInfo = (url: string): boolean => {
  const parsed = URL.parse(url);
  return parsed === null || parsed.username !== "" || parsed.password !== "";
};

const HttpUrl = z
  .url({ protocol: /^https?$/i, message: "must be an http(s) URL" })
  .refine((url) => !hasUserInfo(url), "must not carry credentials in the URL");

/** An optional setting left empty (as a form leaves credentials) is the same as absent. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** Per type, the schema of a channel's config; a key it does not know is refused, as a publisher's is. */
export const ChannelConfigs = {
  webhook: z.strictObject({
    url: HttpUrl,
    secret: optional(z.string()).meta({
      description: "signs each request (X-Tracedeck-Timestamp, X-Tracedeck-Signature) as the webhook publisher does",
    }),
  }),
  slack: z.strictObject({
    url: HttpUrl.meta({ description: "the Slack incoming-webhook URL" }),
  }),
  email: z.strictObject({
    host: z.string().trim().min(1),
    port: z.number().int().min(1).max(65_535).default(587),
    secure: z
      .boolean()
      .default(false)
      .meta({ description: "TLS from the start (port 465); otherwise STARTTLS when the server offers it" }),
    username: optional(z.string()),
    password: optional(z.string()),
    from: z.email(),
    to: z.array(z.email()).min(1).max(20),
  }),
  pagerduty: z.strictObject({
    routing_key: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .meta({ description: "the integration key of an Events API v2 integration" }),
    url: HttpUrl.default(PAGERDUTY_EVENTS_URL),
  }),
} satisfies Record<ChannelType, z.ZodType>;

type ChannelConfig<T extends ChannelType> = z.output<(typeof ChannelConfigs)[T]>;

/** Per type, the config keys that are credentials: sealed at rest, never returned by the API. */
export const CHANNEL_SECRETS: Record<ChannelType, readonly string[]> = {
  webhook: ["secret"],
  // the URL is the credential: anyone who has it can post to the Slack channel
  slack: ["url"],
  email: ["password"],
  pagerduty: ["routing_key"],
};

/** A send that failed, in Tracedeck's words; permanent when retrying cannot help. */
export class ChannelFailure extends SendFailure {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = "ChannelFailure";
  }
}

export interface ChannelSender {
  send(message: AlertMessage, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** A sender for a channel; `config` is parsed by ChannelConfigs[type], its credentials in the clear. */
export function channelSender(type: ChannelType, config: Record<string, unknown>, guard: TargetGuard): ChannelSender {
  switch (type) {
    case "webhook":
      return webhookSender(config as ChannelConfig<"webhook">, guard);
    case "slack":
      return slackSender(config as ChannelConfig<"slack">, guard);
    case "pagerduty":
      return pagerDutySender(config as ChannelConfig<"pagerduty">, guard);
    case "email":
      return emailSender(config as ChannelConfig<"email">, guard);
  }
}

const USER_AGENT = "tracedeck-alerts";

/** 408, 429 and 5xx are the receiver's trouble and pass; any other answer refuses the message as it is. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500 || status < 200;

/** A channel that POSTs one JSON document per message; a 2xx delivered it. */
function jsonSender(
  who: string,
  url: string,
  guard: TargetGuard,
  request: (message: AlertMessage) => { body: string; headers?: Record<string, string> },
): ChannelSender {
  const poster = new GuardedPoster(guard);
  return {
    async send(message, signal) {
      const { body, headers } = request(message);
      let status: number;
      try {
        status = await poster.post(url, {
          headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...headers },
          body,
          signal,
        });
      } catch (error) {
        throw new ChannelFailure(describeFailure(error, hostPort(url)));
      }
      if (status < 200 || status >= 300) throw new ChannelFailure(answered(who, status), !retryable(status));
    },
    async close() {
      poster.close();
    },
  };
}

function webhookSender(config: ChannelConfig<"webhook">, guard: TargetGuard): ChannelSender {
  return jsonSender("webhook", config.url, guard, (message) => {
    const body = JSON.stringify({ type: "alert", ...message });
    if (!config.secret) return { body };
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      body,
      headers: { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature(config.secret, timestamp, body) },
    };
  });
}

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** What a person reads about a change, line by line, the same in a chat message and in an email. */
function details(m: AlertMessage): [string, string][] {
  const labels = Object.entries(m.labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(", ");
  const lines: [string, string][] = [
    ["Rule", m.rule],
    ["Severity", m.severity],
    ["State", `${m.to_state} (was ${m.from_state})`],
    ["Condition", m.condition],
    ["Value", `${m.value_text} (threshold ${m.threshold})`],
    ["Group", m.group],
    ["Labels", labels],
    ["Time", m.at],
  ];
  return lines.filter(([, value]) => value !== "");
}

/** Slack reads &, < and > as markup: a rule named `<!channel>` would otherwise notify everyone. */
const slackText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Slack refuses a section whose text is longer. */
const SLACK_SECTION_LIMIT = 3000;

function slackSender(config: ChannelConfig<"slack">, guard: TargetGuard): ChannelSender {
  return jsonSender("Slack", config.url, guard, (m) => {
    const links = `<${slackText(m.url)}|Open in Tracedeck> · <${slackText(m.alert_url)}|the alert>`;
    const lines = [`*${slackText(m.summary)}*`, ...details(m).map(([name, value]) => `*${name}:* ${slackText(value)}`)];
    const section = `${truncate(lines.join("\n"), SLACK_SECTION_LIMIT - links.length - 1)}\n${links}`;
    return {
      body: JSON.stringify({
        text: slackText(m.summary),
        blocks: [{ type: "section", text: { type: "mrkdwn", text: section } }],
      }),
    };
  });
}

/** PagerDuty's limits on an event's summary and dedup key. */
const PAGERDUTY_SUMMARY_LIMIT = 1024;
const PAGERDUTY_KEY_LIMIT = 255;

/** The incident a change belongs to: a rule's group fires and resolves the same one. */
function dedupKey(m: AlertMessage): string {
  // a test must not resolve, or be folded into, a real incident
  if (m.status === "test") return `tracedeck-test-${randomUUID()}`;
  if (!m.group) return m.rule_id;
  const key = `${m.rule_id}/${m.group}`;
  return key.length <= PAGERDUTY_KEY_LIMIT ? key : `${m.rule_id}/${createHash("sha256").update(m.group).digest("hex")}`;
}

function pagerDutySender(config: ChannelConfig<"pagerduty">, guard: TargetGuard): ChannelSender {
  return jsonSender("PagerDuty", config.url, guard, (m) => ({
    body: JSON.stringify({
      routing_key: config.routing_key,
      event_action: m.status === "resolved" ? "resolve" : "trigger",
      dedup_key: dedupKey(m),
      payload: {
        summary: truncate(m.summary, PAGERDUTY_SUMMARY_LIMIT),
        source: `tracedeck/${m.project}`,
        severity: m.severity,
        timestamp: m.at,
        custom_details: {
          condition: m.condition,
          value: m.value,
          value_text: m.value_text,
          threshold: m.threshold,
          group: m.group,
          labels: m.labels,
        },
      },
      links: [{ href: m.url, text: "Open in Tracedeck" }],
      client: "Tracedeck",
      client_url: m.alert_url,
    }),
  }));
}

/** Each wait of an SMTP session: connecting, the greeting, and any silence after. */
const SMTP_TIMEOUT_MS = 10_000;

const html = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function emailText(m: AlertMessage): string {
  return [
    m.summary,
    "",
    ...details(m).map(([name, value]) => `${name}: ${value}`),
    "",
    `Open in Tracedeck: ${m.url}`,
    `The alert: ${m.alert_url}`,
    "",
  ].join("\n");
}

function emailHtml(m: AlertMessage): string {
  const rows = details(m)
    .map(([name, value]) => `<tr><th align="left">${html(name)}</th><td>${html(value)}</td></tr>`)
    .join("");
  return (
    `<p><strong>${html(m.summary)}</strong></p><table>${rows}</table>` +
    `<p><a href="${html(m.url)}">Open in Tracedeck</a> · <a href="${html(m.alert_url)}">The alert</a></p>`
  );
}

/** The work's outcome, or a rejection when the signal aborts first (a lookup takes no signal of its own). */
function beforeAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    if (signal.aborted) abort();
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** A mail failure in Tracedeck's words: the reply code and the command it answered, never the server's text. */
function mailFailure(error: unknown, where: string, signal: AbortSignal): ChannelFailure {
  if (signal.aborted) return new ChannelFailure(`no answer from ${where} within the timeout`);
  const e = error as NodemailerError;
  if (typeof e.responseCode === "number") {
    const command = e.command && /^[A-Z][A-Z ]{1,30}$/.test(e.command) ? ` to ${e.command}` : "";
    return new ChannelFailure(`${answered(`mail server ${where}`, e.responseCode)}${command}`, e.permanent === true);
  }
  // nodemailer replaces a socket error's code with its own and keeps Node's (ECONNREFUSED) as originalCode
  return new ChannelFailure(describeCode(e.originalCode, where) ?? describeFailure(error, where));
}

function emailSender(config: ChannelConfig<"email">, guard: TargetGuard): ChannelSender {
  const where = `${config.host}:${config.port}`;
  return {
    async send(m, signal) {
      try {
        // resolved for each message (each is a connection of its own), so the guard checks the address connected to
        const [address] = await beforeAbort(allowedAddresses(guard, config.host, config.port), signal);
        const transport = nodemailer.createTransport({
          host: address!.address,
          port: config.port,
          secure: config.secure,
          // the certificate is checked against the name the admin typed, not the address connected to
          tls: isIP(config.host) ? {} : { servername: config.host },
          connectionTimeout: SMTP_TIMEOUT_MS,
          greetingTimeout: SMTP_TIMEOUT_MS,
          socketTimeout: SMTP_TIMEOUT_MS,
          ...(config.username ? { auth: { user: config.username, pass: config.password ?? "" } } : {}),
        });
        await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: m.summary,
          text: emailText(m),
          html: emailHtml(m),
          signal,
        });
      } catch (error) {
        throw mailFailure(error, where, signal);
      }
    },
    // an SMTP transport that does not pool holds no connection between messages
    async close() {},
  };
}
