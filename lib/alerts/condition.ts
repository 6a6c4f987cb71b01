import { z } from "zod";
import { MAX_FILTERS } from "@/lib/api/params";
import { AGGS } from "@/lib/query/metric-math";

// What an alert rule watches: a measure of one service, operation, pipeline event, network host:port,
// metric or publisher over the last minutes, compared with a threshold; or the absence of data. Every
// rule is evaluated once a minute; `for_minutes` (on the rule) says how long the condition must hold
// before it fires.

/** The longest window a rule may look back over: a day, which the minute rollups answer. */
export const MAX_WINDOW_MINUTES = 1440;

const Target = z.string().trim().min(1, "must not be empty").max(500);
const Op = z
  .enum(["above", "below"])
  .meta({ description: "fires when the value is above (>) or below (<) the threshold" });
const Threshold = z.number().refine(Number.isFinite, "must be a finite number");
const WindowMinutes = z
  .number()
  .int("must be a whole number of minutes")
  .min(1)
  .max(MAX_WINDOW_MINUTES)
  .default(5)
  .meta({ description: "the minutes measured, ending now" });

export const SERVICE_MEASURES = ["error_rate", "request_rate", "p50_ms", "p95_ms", "p99_ms"] as const;
export const PIPELINE_MEASURES = ["failure_rate", "failures", "retries", "p95_duration_ms", "stuck"] as const;
export const NETWORK_MEASURES = ["error_rate", "p95_latency_ms"] as const;

export const ServiceCondition = z.object({
  kind: z.literal("service"),
  service: Target,
  operation: Target.optional().meta({ description: "one operation (span name) of the service; default: all of them" }),
  measure: z.enum(SERVICE_MEASURES).meta({
    description:
      "error_rate: failed / all (0…1); request_rate: per second; p50_ms…p99_ms: latency. Requests are server and " +
      "consumer spans; an operation without any (a client or internal one) is measured by its spans",
  }),
  op: Op,
  threshold: Threshold,
  window_minutes: WindowMinutes,
});

export const PipelineCondition = z.object({
  kind: z.literal("pipeline"),
  event_name: Target,
  measure: z.enum(PIPELINE_MEASURES).meta({
    description:
      "failure_rate: failed / finished runs (0…1); failures and retries: counts in the window; p95_duration_ms; " +
      "stuck: tasks still pending stuck_minutes after they started",
  }),
  stuck_minutes: z
    .number()
    .int()
    .min(1)
    .max(MAX_WINDOW_MINUTES)
    .default(30)
    .meta({ description: "for measure stuck: how long a task may stay pending" }),
  op: Op,
  threshold: Threshold,
  window_minutes: WindowMinutes,
});

export const NetworkCondition = z.object({
  kind: z.literal("network"),
  host: Target,
  port: z.number().int().min(0).max(65535),
  measure: z.enum(NETWORK_MEASURES),
  op: Op,
  threshold: Threshold,
  window_minutes: WindowMinutes,
});

const TagFilter = z.string().regex(/^[^:]+:.*$/, "must be key:value");

export const MetricCondition = z.object({
  kind: z.literal("metric"),
  metric: Target,
  agg: z.enum(AGGS).default("avg").meta({ description: "as on the metrics explorer, per minute" }),
  tags: z.array(TagFilter).max(MAX_FILTERS).default([]).meta({ description: "key:value the series must have" }),
  group_by: z
    .array(z.string().trim().min(1))
    .max(MAX_FILTERS)
    .default([])
    .meta({ description: "tag keys: the rule fires and resolves per group" }),
  op: Op,
  threshold: Threshold,
  window_minutes: WindowMinutes,
});

export const PublisherCondition = z.object({
  kind: z.literal("publisher"),
  publisher: Target,
  when: z
    .enum(["failing", "degraded"])
    .default("failing")
    .meta({ description: "failing; or degraded, which failing is too. `for_minutes` says for how long" }),
});

export const AbsenceCondition = z.object({
  kind: z.literal("absence"),
  source: z.enum(["service", "pipeline_event"]),
  name: Target.meta({ description: "the service or pipeline event name" }),
  window_minutes: WindowMinutes.meta({ description: "fires when nothing arrived for this many minutes" }),
});

export const Condition = z
  .discriminatedUnion("kind", [
    ServiceCondition,
    PipelineCondition,
    NetworkCondition,
    MetricCondition,
    PublisherCondition,
    AbsenceCondition,
  ])
  .meta({ id: "AlertCondition" });

export type Condition = z.output<typeof Condition>;
export type ConditionKind = Condition["kind"];

/** The minutes a condition reads (a publisher's state is read as it is now). */
export const windowOf = (c: Condition): number => ("window_minutes" in c ? c.window_minutes : 0);

/** The threshold a condition compares with: none for a publisher's state or an absence, where any breach is one. */
export const thresholdOf = (c: Condition): number => ("threshold" in c ? c.threshold : 0);

/** Whether a measured value breaches the condition. */
export function breaches(c: Condition, value: number): boolean {
  if (c.kind === "publisher") return value > 0;
  if (c.kind === "absence") return value === 0;
  return c.op === "above" ? value > c.threshold : value < c.threshold;
}

const pct = (v: number) => `${+(v * 100).toFixed(2)}%`;
const ms = (v: number) => `${+v.toFixed(1)} ms`;

/** A measured value in the condition's unit. */
export function formatValue(c: Condition, value: number | null): string {
  if (value === null) return "no data";
  const m = "measure" in c ? c.measure : undefined;
  if (m === "error_rate" || m === "failure_rate") return pct(value);
  if (m?.endsWith("_ms")) return ms(value);
  if (m === "request_rate") return `${+value.toFixed(3)}/s`;
  if (c.kind === "publisher") return value > 0 ? c.when : "healthy";
  if (c.kind === "absence") return `${value} in ${c.window_minutes} min`;
  return String(+value.toFixed(3));
}

/** What a condition watches, in a line ("checkout p95_ms above 500 ms over 5 min"). */
export function describeCondition(c: Condition): string {
  const over = "window_minutes" in c ? ` over ${c.window_minutes} min` : "";
  const compare = "op" in c ? ` ${c.op} ${formatValue(c, c.threshold)}` : "";
  switch (c.kind) {
    case "service":
      return `${c.service}${c.operation ? ` ${c.operation}` : ""} ${c.measure}${compare}${over}`;
    case "pipeline":
      return `${c.event_name} ${c.measure === "stuck" ? `tasks pending over ${c.stuck_minutes} min` : c.measure}${compare}${over}`;
    case "network":
      return `${c.host}:${c.port} ${c.measure}${compare}${over}`;
    case "metric":
      return `${c.agg}(${c.metric}${c.tags.length ? `{${c.tags.join(",")}}` : ""})${compare}${over}`;
    case "publisher":
      return `publisher ${c.publisher} ${c.when}`;
    case "absence":
      return `no ${c.source === "service" ? "spans from service" : "runs of pipeline event"} ${c.name} for ${c.window_minutes} min`;
  }
}
