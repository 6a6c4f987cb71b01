import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const metricSeries = pgTable(
  "metric_series",
  {
    projectId: uuid().notNull(),
    id: bigint({ mode: "number" }).generatedAlwaysAsIdentity(),
    name: text().notNull(),
    type: text({ enum: ["counter", "gauge", "histogram", "summary", "exponential_histogram"] }).notNull(),
    unit: text(),
    description: text(),
    serviceName: text(),
    /** cumulative | delta, for sums and histograms */
    temporality: text(),
    tags: jsonb().$type<Record<string, string>>().notNull(),
    resourceAttributes: jsonb().$type<Record<string, unknown>>().notNull(),
    /** instrumentation scope: { name, version, attributes } */
    scope: jsonb().$type<Record<string, unknown>>(),
    /** hex SHA-256 of name, service, sorted tags and resource attributes: one series per distinct combination */
    seriesHash: text().notNull(),
  },
  (t) => [
    primaryKey({ name: "metric_series_pk", columns: [t.projectId, t.id] }),
    // the writer finds or creates a series by its hash
    uniqueIndex("metric_series_hash_uq").on(t.projectId, t.seriesHash),
    // metric name lists and queries by name
    index("metric_series_project_name_idx").on(t.projectId, t.name),
  ],
);

// Points use timestamptz: microseconds are finer than any scrape or export interval. Points are
// range-partitioned by UTC day of their time (db/partitions.ts); series are not (they are few).
export const metricPoints = pgTable(
  "metric_points",
  {
    projectId: uuid().notNull(),
    seriesId: bigint({ mode: "number" }).notNull(),
    time: timestamp({ withTimezone: true, precision: 6 }).notNull(),
    /** start of the aggregation window (OTLP start_time_unix_nano), for reset-aware rates */
    startTime: timestamp({ withTimezone: true, precision: 6 }),
    flags: integer(),
    /** the value of a gauge or counter point; the sum for histograms */
    value: doublePrecision(),
    count: bigint({ mode: "number" }),
    sum: doublePrecision(),
    min: doublePrecision(),
    max: doublePrecision(),
    /** histogram explicit bounds and the bucket counts (bounds.length + 1 of them) */
    bounds: doublePrecision().array(),
    bucketCounts: bigint({ mode: "number" }).array(),
    /** summary quantiles [{ quantile, value }] or exponential histogram buckets */
    distribution: jsonb(),
    /** sample measurements linked to traces: [{ time_unix_nano, value, trace_id, span_id, filtered_attributes }] */
    exemplars: jsonb(),
  },
  (t) => [
    // a series' points over a time range, and retention by time
    index("metric_points_series_time_idx").on(t.projectId, t.seriesId, t.time),
    // retention and time-range scans across series
    index("metric_points_project_time_idx").on(t.projectId, t.time),
  ],
);
