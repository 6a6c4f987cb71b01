// The rule form's state: every field as the inputs hold it (text), whichever kind is chosen, so switching the kind
// back and forth loses nothing. It is read from a link's parameters or a rule, and turned into the API's body; the
// API checks the body and names the field it refuses.
import type {
  AlertConditionInput,
  AlertConditionKind,
  AlertRule,
  AlertRuleInput,
  AlertSeverity,
} from "@/components/data/types";

type ConditionOf<K extends AlertConditionKind> = Extract<AlertConditionInput, { kind: K }>;
type ServiceMeasure = ConditionOf<"service">["measure"];
type PipelineMeasure = ConditionOf<"pipeline">["measure"];
type NetworkMeasure = ConditionOf<"network">["measure"];
type MetricAgg = NonNullable<ConditionOf<"metric">["agg"]>;
type PublisherWhen = NonNullable<ConditionOf<"publisher">["when"]>;
type AbsenceSource = ConditionOf<"absence">["source"];
type Op = ConditionOf<"service">["op"];

/** The keys of a record typed by its keys (each list below is a record, so the compiler checks it is complete). */
const keysOf = <K extends string>(record: Record<K, string>) => Object.keys(record) as K[];
const oneOf = <K extends string>(list: readonly K[], value: string | null | undefined): K | undefined =>
  list.find((item) => item === value);

export const KIND_LABELS: Record<AlertConditionKind, string> = {
  service: "Service: errors, rate or latency",
  pipeline: "Pipeline event",
  network: "Network host:port",
  metric: "Metric",
  publisher: "Publisher health",
  absence: "No data arriving",
};
export const KINDS = keysOf(KIND_LABELS);

export const SERVICE_MEASURES: Record<ServiceMeasure, string> = {
  error_rate: "error rate (0…1)",
  request_rate: "requests per second",
  p50_ms: "p50 latency (ms)",
  p95_ms: "p95 latency (ms)",
  p99_ms: "p99 latency (ms)",
};
export const PIPELINE_MEASURES: Record<PipelineMeasure, string> = {
  failure_rate: "failure rate (0…1)",
  failures: "failures (count)",
  retries: "retries (count)",
  p95_duration_ms: "p95 duration (ms)",
  stuck: "tasks stuck pending (count)",
};
export const NETWORK_MEASURES: Record<NetworkMeasure, string> = {
  error_rate: "error rate (0…1)",
  p95_latency_ms: "p95 latency (ms)",
};
/** The measures of the kinds that have one, as the form's select offers them. */
export const MEASURES = { service: SERVICE_MEASURES, pipeline: PIPELINE_MEASURES, network: NETWORK_MEASURES };
type MeasuredKind = keyof typeof MEASURES;
const isMeasured = (kind: AlertConditionKind): kind is MeasuredKind => kind in MEASURES;

export const AGGS = keysOf<MetricAgg>({
  avg: "avg",
  min: "min",
  max: "max",
  sum: "sum",
  count: "count",
  rate: "rate",
  p50: "p50",
  p90: "p90",
  p95: "p95",
  p99: "p99",
});
export const PUBLISHER_WHEN: Record<PublisherWhen, string> = {
  failing: "is failing",
  degraded: "is degraded or failing",
};
export const ABSENCE_SOURCES: Record<AbsenceSource, string> = {
  service: "spans from a service",
  pipeline_event: "runs of a pipeline event",
};
export const OPS: Record<Op, string> = { above: "above", below: "below" };
export const SEVERITIES: Record<AlertSeverity, string> = { critical: "critical", warning: "warning", info: "info" };

export interface RuleDraft {
  name: string;
  kind: AlertConditionKind;
  service: string;
  operation: string;
  /** the measure of a service, pipeline or network condition (one of the kind's) */
  measure: string;
  event_name: string;
  stuck_minutes: string;
  host: string;
  port: string;
  metric: string;
  agg: string;
  /** key:value pairs, space-separated */
  tags: string;
  /** tag keys, space- or comma-separated */
  group_by: string;
  publisher: string;
  when: string;
  source: string;
  /** the service or pipeline event an absence rule watches (`name` in the condition) */
  absence_name: string;
  op: string;
  threshold: string;
  window_minutes: string;
  for_minutes: string;
  severity: string;
  channel_ids: string[];
  enabled: boolean;
}

/** A new rule before anything is filled in: the API's defaults, shown. */
export const EMPTY_DRAFT: RuleDraft = {
  name: "",
  kind: "service",
  service: "",
  operation: "",
  measure: "error_rate",
  event_name: "",
  stuck_minutes: "30",
  host: "",
  port: "",
  metric: "",
  agg: "avg",
  tags: "",
  group_by: "",
  publisher: "",
  when: "failing",
  source: "service",
  absence_name: "",
  op: "above",
  threshold: "",
  window_minutes: "5",
  for_minutes: "0",
  severity: "warning",
  channel_ids: [],
  enabled: true,
};

/** The measure kept when the kind changes: the same one if the new kind has it, else the kind's first. */
function fitMeasure(kind: AlertConditionKind, measure: string): string {
  if (!isMeasured(kind)) return measure;
  const measures = keysOf<string>(MEASURES[kind]);
  return oneOf(measures, measure) ?? measures[0]!;
}

export const withKind = (draft: RuleDraft, kind: AlertConditionKind): RuleDraft => ({
  ...draft,
  kind,
  measure: fitMeasure(kind, draft.measure),
});

/** A name for a rule filled in by a link, until its author gives one: what it watches. */
export function suggestedName(d: RuleDraft): string {
  switch (d.kind) {
    case "service":
      return d.service ? `${d.service}${d.operation ? ` ${d.operation}` : ""} ${d.measure}` : "";
    case "pipeline":
      return d.event_name ? `${d.event_name} ${d.measure}` : "";
    case "network":
      return d.host ? `${d.host}${d.port ? `:${d.port}` : ""} ${d.measure}` : "";
    case "metric":
      return d.metric ? `${d.agg}(${d.metric})` : "";
    case "publisher":
      return d.publisher ? `publisher ${d.publisher} ${d.when}` : "";
    case "absence":
      return d.absence_name ? `no data from ${d.absence_name}` : "";
  }
}

interface Params {
  get(name: string): string | null;
  getAll(name: string): string[];
}

/**
 * The form a link opens (`/alerts?new=1&kind=…` with any condition field: `name` is an absence rule's target, as in
 * the condition), or null when the URL asks for no new rule.
 */
export function draftFromParams(params: Params): RuleDraft | null {
  if (params.get("new") === null) return null;
  const text = (name: keyof RuleDraft, param: string = name) =>
    params.get(param)?.trim() || (EMPTY_DRAFT[name] as string);
  const kind = oneOf(KINDS, params.get("kind")) ?? EMPTY_DRAFT.kind;
  const draft: RuleDraft = {
    ...EMPTY_DRAFT,
    kind,
    service: text("service"),
    operation: text("operation"),
    measure: fitMeasure(kind, params.get("measure") ?? ""),
    event_name: text("event_name"),
    stuck_minutes: text("stuck_minutes"),
    host: text("host"),
    port: text("port"),
    metric: text("metric"),
    agg: oneOf(AGGS, params.get("agg")) ?? EMPTY_DRAFT.agg,
    tags: params.getAll("tags").join(" "),
    group_by: params.getAll("group_by").join(" "),
    publisher: text("publisher"),
    when: oneOf(keysOf(PUBLISHER_WHEN), params.get("when")) ?? EMPTY_DRAFT.when,
    source: oneOf(keysOf(ABSENCE_SOURCES), params.get("source")) ?? EMPTY_DRAFT.source,
    absence_name: text("absence_name", "name"),
    op: oneOf(keysOf(OPS), params.get("op")) ?? EMPTY_DRAFT.op,
    threshold: text("threshold"),
    window_minutes: text("window_minutes"),
    for_minutes: text("for_minutes"),
    severity: oneOf(keysOf(SEVERITIES), params.get("severity")) ?? EMPTY_DRAFT.severity,
  };
  return { ...draft, name: suggestedName(draft) };
}

/** The form filled in with a rule, to edit it. */
export function draftFromRule(rule: AlertRule): RuleDraft {
  const c = rule.condition;
  const base: RuleDraft = {
    ...EMPTY_DRAFT,
    name: rule.name,
    kind: c.kind,
    for_minutes: String(rule.for_minutes),
    severity: rule.severity,
    channel_ids: rule.channel_ids,
    enabled: rule.enabled,
  };
  const compared = "op" in c ? { op: c.op, threshold: String(c.threshold) } : {};
  const windowed = "window_minutes" in c ? { window_minutes: String(c.window_minutes) } : {};
  switch (c.kind) {
    case "service":
      return {
        ...base,
        ...compared,
        ...windowed,
        service: c.service,
        operation: c.operation ?? "",
        measure: c.measure,
      };
    case "pipeline":
      return {
        ...base,
        ...compared,
        ...windowed,
        event_name: c.event_name,
        measure: c.measure,
        stuck_minutes: String(c.stuck_minutes),
      };
    case "network":
      return { ...base, ...compared, ...windowed, host: c.host, port: String(c.port), measure: c.measure };
    case "metric":
      return {
        ...base,
        ...compared,
        ...windowed,
        metric: c.metric,
        agg: c.agg,
        tags: c.tags.join(" "),
        group_by: c.group_by.join(" "),
      };
    case "publisher":
      return { ...base, publisher: c.publisher, when: c.when };
    case "absence":
      return { ...base, ...windowed, source: c.source, absence_name: c.name };
  }
}

/**
 * A number typed in a field. An empty required one is sent as null (JSON has no NaN) for the API to name it: the
 * form's own checks catch it first in a browser.
 */
const required = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));
const optional = (text: string) => (text.trim() === "" ? undefined : Number(text));
const words = (text: string, separators: RegExp) => text.split(separators).filter(Boolean);

/** The condition of the kind chosen, from that kind's fields only. */
function conditionOf(d: RuleDraft): AlertConditionInput {
  const op = oneOf(keysOf(OPS), d.op) ?? "above";
  const compared = { op, threshold: required(d.threshold), window_minutes: optional(d.window_minutes) };
  switch (d.kind) {
    case "service":
      return {
        kind: "service",
        service: d.service,
        operation: d.operation.trim() || undefined,
        measure: oneOf(keysOf(SERVICE_MEASURES), d.measure) ?? "error_rate",
        ...compared,
      };
    case "pipeline": {
      const measure = oneOf(keysOf(PIPELINE_MEASURES), d.measure) ?? "failure_rate";
      return {
        kind: "pipeline",
        event_name: d.event_name,
        measure,
        ...(measure === "stuck" ? { stuck_minutes: optional(d.stuck_minutes) } : {}),
        ...compared,
      };
    }
    case "network":
      return {
        kind: "network",
        host: d.host,
        port: required(d.port),
        measure: oneOf(keysOf(NETWORK_MEASURES), d.measure) ?? "error_rate",
        ...compared,
      };
    case "metric":
      return {
        kind: "metric",
        metric: d.metric,
        agg: oneOf(AGGS, d.agg),
        tags: words(d.tags, /\s+/),
        group_by: words(d.group_by, /[\s,]+/),
        ...compared,
      };
    case "publisher":
      return { kind: "publisher", publisher: d.publisher, when: oneOf(keysOf(PUBLISHER_WHEN), d.when) };
    case "absence":
      return {
        kind: "absence",
        source: oneOf(keysOf(ABSENCE_SOURCES), d.source) ?? "service",
        name: d.absence_name,
        window_minutes: optional(d.window_minutes),
      };
  }
}

/** The body that creates the rule (and, as a whole, edits one). */
export function ruleBody(d: RuleDraft): AlertRuleInput {
  return {
    name: d.name.trim(),
    condition: conditionOf(d),
    for_minutes: optional(d.for_minutes),
    severity: oneOf(keysOf(SEVERITIES), d.severity),
    channel_ids: d.channel_ids,
    enabled: d.enabled,
  };
}

/** What the threshold means for the measure chosen, in the form's words. */
export function thresholdHint(d: RuleDraft): string {
  if (d.kind === "metric") return "in the metric's unit";
  if (d.measure.endsWith("_rate") && d.measure !== "request_rate") return "a fraction: 0.1 is 10%";
  if (d.measure.endsWith("_ms")) return "milliseconds";
  if (d.measure === "request_rate") return "requests per second";
  return "a count in the window";
}
