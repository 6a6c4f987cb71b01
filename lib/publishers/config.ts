import { z } from "zod";
import { ApiError, describeZodError, zodDetails } from "@/lib/errors";
import { DEFAULT_FORWARDER_OPTIONS, type ForwarderOptions } from "./forwarder";
import { FORWARDED_SIGNALS } from "./records";

// What each kind of server-side publisher needs, checked when it is saved (from the Publishers
// page, the admin API or TRACEDECK_PUBLISHERS), so a typo is a 400 at once rather than a publisher
// that silently never sends. Unknown keys are refused for the same reason.

export const PUBLISHER_TYPES = [
  "elasticsearch",
  "prometheus",
  "grafana_cloud",
  "composite",
  "webhook",
  "other",
] as const;
export type PublisherType = (typeof PUBLISHER_TYPES)[number];

/**
 * The target without user-info (`user:password@` before the host, with or without a scheme, in any case, in each
 * member of a comma-separated list), which would show wherever the target is shown. User-info runs to the
 * authority's last `@` (a password may hold `@`, spaces or commas): when in doubt, more is dropped, never less.
 */
export const withoutUserInfo = (target: string): string =>
  target.replace(/(^|,|[a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/gi, "$1");

/** Free text (an error message) with the user-info of every URL in it dropped. */
export const textWithoutUserInfo = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/gi, "$1");

/** Whether a URL names a user or password, as the WHATWG URL parser (which fetch uses) reads it. */
const hasUserInfo = (url: string): boolean => {
  const parsed = URL.parse(url);
  return parsed === null || parsed.username !== "" || parsed.password !== "";
};

const HttpUrl = z
  .url({ protocol: /^https?$/i, message: "must be an http(s) URL" })
  .refine((url) => !hasUserInfo(url), "must not carry credentials: give them in their own fields");

/** An optional setting left empty (as the page's templates leave credentials) is the same as absent. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

const Tuning = {
  batch_size: z.number().int().min(1).max(10_000).optional().meta({ description: "records per request (default 500)" }),
  max_queue: z.number().int().min(1).max(1_000_000).optional().meta({
    description: "records held while the target is down; past it the oldest are dropped and counted (default 10 000)",
  }),
  flush_interval_ms: z
    .number()
    .int()
    .min(10)
    .max(3_600_000)
    .optional()
    .meta({ description: "milliseconds between sends of a partial batch (default 1000)" }),
  retry_initial_ms: z
    .number()
    .int()
    .min(10)
    .max(3_600_000)
    .optional()
    .meta({ description: "first backoff after a failure, doubled per failure (default 1000)" }),
  retry_max_ms: z
    .number()
    .int()
    .min(10)
    .max(3_600_000)
    .optional()
    .meta({ description: "longest backoff (default 60 000)" }),
  timeout_ms: z
    .number()
    .int()
    .min(100)
    .max(300_000)
    .optional()
    .meta({ description: "milliseconds a request may take (default 10 000)" }),
};

const Signals = z
  .array(z.enum(FORWARDED_SIGNALS))
  .min(1)
  .default(["pipeline_events", "network_ops"])
  .meta({ description: "what is forwarded: pipeline_events, network_ops, spans, logs" });

const LabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name");
const Push = {
  push_interval_ms: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(15_000)
    .meta({ description: "milliseconds between pushes (default 15 000)" }),
  external_labels: z
    .record(LabelName, z.string())
    .default({})
    .meta({ description: "labels added to every series (project is always added)" }),
};

export const ElasticsearchConfig = z
  .strictObject({
    url: HttpUrl.optional(),
    hosts: z.array(HttpUrl).min(1).optional(),
    index_prefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, "lowercase letters, digits, '.', '_' and '-' (Elasticsearch index names)")
      .default("tracedeck"),
    signals: Signals,
    username: optional(z.string()),
    password: optional(z.string()),
    api_key: optional(z.string()),
    ...Tuning,
  })
  .refine((c) => c.url !== undefined || c.hosts !== undefined, { message: "give url (or hosts)", path: ["url"] })
  .refine((c) => (c.username === undefined) === (c.password === undefined), {
    message: "give username and password together",
    path: ["password"],
  });

export const WebhookConfig = z.strictObject({
  url: HttpUrl,
  secret: optional(z.string().min(16, "a signing secret needs at least 16 characters")),
  signals: Signals,
  ...Tuning,
});

export const GrafanaCloudConfig = z.strictObject({
  url: HttpUrl.meta({
    description:
      "the stack's Prometheus remote-write URL (…/api/prom/push), or with protocol otlp its OTLP metrics URL",
  }),
  protocol: z.enum(["remote_write", "otlp"]).default("remote_write"),
  instance_id: z.string().trim().min(1),
  api_key: z.string().min(1),
  ...Push,
  retry_initial_ms: Tuning.retry_initial_ms,
  retry_max_ms: Tuning.retry_max_ms,
  timeout_ms: Tuning.timeout_ms,
});

export const PrometheusConfig = z
  .strictObject({
    url: HttpUrl.meta({ description: "a remote-write receiver, e.g. http://prometheus:9090/api/v1/write" }),
    username: optional(z.string()),
    password: optional(z.string()),
    ...Push,
    retry_initial_ms: Tuning.retry_initial_ms,
    retry_max_ms: Tuning.retry_max_ms,
    timeout_ms: Tuning.timeout_ms,
  })
  .refine((c) => (c.username === undefined) === (c.password === undefined), {
    message: "give username and password together",
    path: ["password"],
  });

const MEMBER_TYPES = ["elasticsearch", "prometheus", "grafana_cloud", "webhook"] as const;
export const CompositeConfig = z.strictObject({
  publishers: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(200).optional(),
        type: z.enum(MEMBER_TYPES),
        config: z.record(z.string(), z.unknown()),
      }),
    )
    .min(1)
    .max(20),
});

const SCHEMAS = {
  elasticsearch: ElasticsearchConfig,
  webhook: WebhookConfig,
  grafana_cloud: GrafanaCloudConfig,
  prometheus: PrometheusConfig,
  composite: CompositeConfig,
  other: z.record(z.string(), z.unknown()),
} as const;

export type PublisherConfig<T extends PublisherType> = z.output<(typeof SCHEMAS)[T]>;

/** A config checked for its type, with defaults filled in (what is stored); a composite's members are checked too. */
export function validateConfig(
  type: PublisherType,
  config: Record<string, unknown>,
  path = "config",
): Record<string, unknown> {
  const parsed = SCHEMAS[type].safeParse(config);
  if (!parsed.success) {
    throw new ApiError(
      "validation_failed",
      `invalid ${type} ${path}: ${describeZodError(parsed.error)}`,
      zodDetails(parsed.error),
    );
  }
  if (type !== "composite") return parsed.data;
  const composite = parsed.data as z.output<typeof CompositeConfig>;
  return {
    publishers: composite.publishers.map((member, i) => ({
      ...member,
      config: validateConfig(member.type, member.config, `config.publishers[${i}].config`),
    })),
  };
}

/** The queueing and retry settings of a record publisher, defaults where the config says nothing. */
export function forwarderOptions(config: { [K in keyof typeof Tuning]?: number }): ForwarderOptions {
  return {
    batchSize: config.batch_size ?? DEFAULT_FORWARDER_OPTIONS.batchSize,
    maxQueue: config.max_queue ?? DEFAULT_FORWARDER_OPTIONS.maxQueue,
    flushIntervalMs: config.flush_interval_ms ?? DEFAULT_FORWARDER_OPTIONS.flushIntervalMs,
    retryInitialMs: config.retry_initial_ms ?? DEFAULT_FORWARDER_OPTIONS.retryInitialMs,
    retryMaxMs: config.retry_max_ms ?? DEFAULT_FORWARDER_OPTIONS.retryMaxMs,
    timeoutMs: config.timeout_ms ?? DEFAULT_FORWARDER_OPTIONS.timeoutMs,
  };
}
