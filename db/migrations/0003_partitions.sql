-- Telemetry tables become range-partitioned by UTC day, so that retention drops whole partitions
-- and a query over a time range reads only its days. Every key leads with project_id and carries
-- the partition column. Existing rows move into the new tables; the server creates partitions
-- ahead of time and for older days a batch brings (db/partitions.ts), all through this function.
CREATE TABLE "retention_settings" (
	"signal" text PRIMARY KEY NOT NULL,
	"days" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Creates the partition of `parent` for one UTC day (named <parent>_pYYYYMMDD) unless it exists;
-- the bounds follow the type of the partition column: bigint nanoseconds, date, or timestamptz.
-- Answers whether it created the partition. A node that loses a race to create it answers false.
CREATE OR REPLACE FUNCTION tracedeck_day_partition(parent text, day date) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  partition_name text := parent || '_p' || to_char(day, 'YYYYMMDD');
  key_type regtype;
  lower_bound text;
  upper_bound text;
BEGIN
  IF to_regclass(quote_ident(partition_name)) IS NOT NULL THEN
    RETURN false;
  END IF;
  SELECT a.atttypid::regtype INTO key_type
    FROM pg_partitioned_table p
    JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
    WHERE p.partrelid = quote_ident(parent)::regclass;
  IF key_type IS NULL THEN
    RAISE EXCEPTION '% is not a partitioned table', parent;
  ELSIF key_type = 'bigint'::regtype THEN
    lower_bound := ((day - date '1970-01-01')::bigint * 86400000000000)::text;
    upper_bound := ((day + 1 - date '1970-01-01')::bigint * 86400000000000)::text;
  ELSIF key_type = 'date'::regtype THEN
    lower_bound := day::text;
    upper_bound := (day + 1)::text;
  ELSE
    lower_bound := to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00';
    upper_bound := to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00';
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
    partition_name, parent, lower_bound, upper_bound);
  RETURN true;
EXCEPTION WHEN duplicate_table OR unique_violation THEN
  RETURN false;
END
$fn$;
--> statement-breakpoint
ALTER TABLE "spans" RENAME TO "spans_unpartitioned";
--> statement-breakpoint
ALTER TABLE "spans_unpartitioned" DROP CONSTRAINT "spans_pk";
--> statement-breakpoint
DROP INDEX "spans_project_start_idx";
--> statement-breakpoint
DROP INDEX "spans_project_service_start_idx";
--> statement-breakpoint
CREATE TABLE "spans" (
	"project_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"span_id" text NOT NULL,
	"parent_span_id" text,
	"name" text NOT NULL,
	"service_name" text NOT NULL,
	"kind" text NOT NULL,
	"status_code" text NOT NULL,
	"status_message" text,
	"start_time_unix_nano" bigint NOT NULL,
	"end_time_unix_nano" bigint NOT NULL,
	"duration_nano" bigint GENERATED ALWAYS AS (end_time_unix_nano - start_time_unix_nano) STORED NOT NULL,
	"trace_state" text,
	"attributes" jsonb NOT NULL,
	"resource_attributes" jsonb NOT NULL,
	"events" jsonb NOT NULL,
	"links" jsonb NOT NULL,
	"scope" jsonb,
	"flags" bigint,
	"dropped" jsonb,
	CONSTRAINT "spans_pk" PRIMARY KEY("project_id","trace_id","span_id","start_time_unix_nano")
) PARTITION BY RANGE ("start_time_unix_nano");
--> statement-breakpoint
CREATE INDEX "spans_project_start_idx" ON "spans" USING btree ("project_id","start_time_unix_nano");
--> statement-breakpoint
CREATE INDEX "spans_project_service_start_idx" ON "spans" USING btree ("project_id","service_name","start_time_unix_nano");
--> statement-breakpoint
CREATE INDEX "spans_attributes_idx" ON "spans" USING gin ((resource_attributes || attributes) jsonb_path_ops);
--> statement-breakpoint
SELECT tracedeck_day_partition('spans', d) FROM (SELECT DISTINCT date '1970-01-01' + (start_time_unix_nano / 86400000000000)::int AS d FROM "spans_unpartitioned") AS days;
--> statement-breakpoint
INSERT INTO "spans" ("project_id", "trace_id", "span_id", "parent_span_id", "name", "service_name", "kind", "status_code", "status_message", "start_time_unix_nano", "end_time_unix_nano", "trace_state", "attributes", "resource_attributes", "events", "links", "scope", "flags", "dropped")
SELECT project_id, trace_id, span_id, parent_span_id, name, service_name, kind, status_code, status_message, start_time_unix_nano, end_time_unix_nano, trace_state, attributes, resource_attributes, events, links, scope, flags, dropped FROM "spans_unpartitioned";
--> statement-breakpoint
DROP TABLE "spans_unpartitioned";
--> statement-breakpoint
ALTER TABLE "traces" RENAME TO "traces_unpartitioned";
--> statement-breakpoint
ALTER TABLE "traces_unpartitioned" DROP CONSTRAINT "traces_pk";
--> statement-breakpoint
DROP INDEX "traces_project_start_idx";
--> statement-breakpoint
CREATE TABLE "traces" (
	"project_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"start_time_unix_nano" bigint NOT NULL,
	"end_time_unix_nano" bigint NOT NULL,
	"duration_nano" bigint GENERATED ALWAYS AS (end_time_unix_nano - start_time_unix_nano) STORED NOT NULL,
	"span_count" integer NOT NULL,
	"error_count" integer NOT NULL,
	"root_service_name" text,
	"root_name" text,
	"services" text[] NOT NULL,
	"day" date NOT NULL,
	CONSTRAINT "traces_pk" PRIMARY KEY("project_id","trace_id","day")
) PARTITION BY RANGE ("day");
--> statement-breakpoint
CREATE INDEX "traces_project_start_idx" ON "traces" USING btree ("project_id","start_time_unix_nano");
--> statement-breakpoint
SELECT tracedeck_day_partition('traces', d) FROM (SELECT DISTINCT date '1970-01-01' + (start_time_unix_nano / 86400000000000)::int AS d FROM "traces_unpartitioned") AS days;
--> statement-breakpoint
INSERT INTO "traces" ("project_id", "trace_id", "start_time_unix_nano", "end_time_unix_nano", "span_count", "error_count", "root_service_name", "root_name", "services", "day")
SELECT project_id, trace_id, start_time_unix_nano, end_time_unix_nano, span_count, error_count, root_service_name, root_name, services, date '1970-01-01' + (start_time_unix_nano / 86400000000000)::int FROM "traces_unpartitioned";
--> statement-breakpoint
DROP TABLE "traces_unpartitioned";
--> statement-breakpoint
ALTER TABLE "events" RENAME TO "events_unpartitioned";
--> statement-breakpoint
ALTER TABLE "events_unpartitioned" DROP CONSTRAINT "events_pk";
--> statement-breakpoint
DROP INDEX "events_project_time_idx";
--> statement-breakpoint
DROP INDEX "events_project_name_time_idx";
--> statement-breakpoint
CREATE TABLE "events" (
	"project_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"time" timestamp (6) with time zone NOT NULL,
	"service_name" text,
	"trace_id" text,
	"span_id" text,
	"attributes" jsonb NOT NULL,
	CONSTRAINT "events_pk" PRIMARY KEY("project_id","id","time")
) PARTITION BY RANGE ("time");
--> statement-breakpoint
CREATE INDEX "events_project_time_idx" ON "events" USING btree ("project_id","time");
--> statement-breakpoint
CREATE INDEX "events_project_name_time_idx" ON "events" USING btree ("project_id","name","time");
--> statement-breakpoint
SELECT tracedeck_day_partition('events', d) FROM (SELECT DISTINCT (time at time zone 'UTC')::date AS d FROM "events_unpartitioned") AS days;
--> statement-breakpoint
INSERT INTO "events" ("project_id", "id", "name", "time", "service_name", "trace_id", "span_id", "attributes")
SELECT project_id, id, name, time, service_name, trace_id, span_id, attributes FROM "events_unpartitioned";
--> statement-breakpoint
DROP TABLE "events_unpartitioned";
--> statement-breakpoint
ALTER TABLE "logs" RENAME TO "logs_unpartitioned";
--> statement-breakpoint
ALTER TABLE "logs_unpartitioned" DROP CONSTRAINT "logs_pk";
--> statement-breakpoint
DROP INDEX "logs_project_time_idx";
--> statement-breakpoint
DROP INDEX "logs_project_trace_idx";
--> statement-breakpoint
CREATE TABLE "logs" (
	"project_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"time_unix_nano" bigint NOT NULL,
	"observed_time_unix_nano" bigint NOT NULL,
	"severity_number" smallint NOT NULL,
	"severity_text" text,
	"body" jsonb,
	"service_name" text,
	"trace_id" text,
	"span_id" text,
	"attributes" jsonb NOT NULL,
	"resource_attributes" jsonb NOT NULL,
	"scope" jsonb,
	"flags" bigint,
	"event_name" text,
	"dropped_attributes_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "logs_pk" PRIMARY KEY("project_id","id","time_unix_nano")
) PARTITION BY RANGE ("time_unix_nano");
--> statement-breakpoint
CREATE INDEX "logs_project_time_idx" ON "logs" USING btree ("project_id","time_unix_nano");
--> statement-breakpoint
CREATE INDEX "logs_project_trace_idx" ON "logs" USING btree ("project_id","trace_id");
--> statement-breakpoint
CREATE INDEX "logs_attributes_idx" ON "logs" USING gin ((resource_attributes || attributes) jsonb_path_ops);
--> statement-breakpoint
SELECT tracedeck_day_partition('logs', d) FROM (SELECT DISTINCT date '1970-01-01' + (time_unix_nano / 86400000000000)::int AS d FROM "logs_unpartitioned") AS days;
--> statement-breakpoint
INSERT INTO "logs" ("project_id", "id", "time_unix_nano", "observed_time_unix_nano", "severity_number", "severity_text", "body", "service_name", "trace_id", "span_id", "attributes", "resource_attributes", "scope", "flags", "event_name", "dropped_attributes_count")
SELECT project_id, id, time_unix_nano, observed_time_unix_nano, severity_number, severity_text, body, service_name, trace_id, span_id, attributes, resource_attributes, scope, flags, event_name, dropped_attributes_count FROM "logs_unpartitioned";
--> statement-breakpoint
DROP TABLE "logs_unpartitioned";
--> statement-breakpoint
ALTER TABLE "metric_points" RENAME TO "metric_points_unpartitioned";
--> statement-breakpoint
DROP INDEX "metric_points_series_time_idx";
--> statement-breakpoint
DROP INDEX "metric_points_project_time_idx";
--> statement-breakpoint
CREATE TABLE "metric_points" (
	"project_id" uuid NOT NULL,
	"series_id" bigint NOT NULL,
	"time" timestamp (6) with time zone NOT NULL,
	"start_time" timestamp (6) with time zone,
	"flags" integer,
	"value" double precision,
	"count" bigint,
	"sum" double precision,
	"min" double precision,
	"max" double precision,
	"bounds" double precision[],
	"bucket_counts" bigint[],
	"distribution" jsonb,
	"exemplars" jsonb
) PARTITION BY RANGE ("time");
--> statement-breakpoint
CREATE INDEX "metric_points_series_time_idx" ON "metric_points" USING btree ("project_id","series_id","time");
--> statement-breakpoint
CREATE INDEX "metric_points_project_time_idx" ON "metric_points" USING btree ("project_id","time");
--> statement-breakpoint
SELECT tracedeck_day_partition('metric_points', d) FROM (SELECT DISTINCT (time at time zone 'UTC')::date AS d FROM "metric_points_unpartitioned") AS days;
--> statement-breakpoint
INSERT INTO "metric_points" ("project_id", "series_id", "time", "start_time", "flags", "value", "count", "sum", "min", "max", "bounds", "bucket_counts", "distribution", "exemplars")
SELECT project_id, series_id, time, start_time, flags, value, count, sum, min, max, bounds, bucket_counts, distribution, exemplars FROM "metric_points_unpartitioned";
--> statement-breakpoint
DROP TABLE "metric_points_unpartitioned";
--> statement-breakpoint
ALTER TABLE "network_ops" RENAME TO "network_ops_unpartitioned";
--> statement-breakpoint
ALTER TABLE "network_ops_unpartitioned" DROP CONSTRAINT "network_ops_pk";
--> statement-breakpoint
DROP INDEX "network_ops_identity_uq";
--> statement-breakpoint
DROP INDEX "network_ops_project_start_idx";
--> statement-breakpoint
DROP INDEX "network_ops_project_host_start_idx";
--> statement-breakpoint
CREATE TABLE "network_ops" (
	"project_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"task_id" text NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"operation" text NOT NULL,
	"start_time" timestamp (6) with time zone NOT NULL,
	"end_time" timestamp (6) with time zone,
	"bytes_sent" bigint NOT NULL,
	"bytes_received" bigint NOT NULL,
	"error" text,
	"latency_ms" double precision GENERATED ALWAYS AS (extract(epoch from (end_time - start_time)) * 1000) STORED,
	CONSTRAINT "network_ops_pk" PRIMARY KEY("project_id","id","start_time")
) PARTITION BY RANGE ("start_time");
--> statement-breakpoint
CREATE UNIQUE INDEX "network_ops_identity_uq" ON "network_ops" USING btree ("project_id","task_id","host","port","operation","start_time");
--> statement-breakpoint
CREATE INDEX "network_ops_project_start_idx" ON "network_ops" USING btree ("project_id","start_time");
--> statement-breakpoint
CREATE INDEX "network_ops_project_host_start_idx" ON "network_ops" USING btree ("project_id","host","port","start_time");
--> statement-breakpoint
SELECT tracedeck_day_partition('network_ops', d) FROM (SELECT DISTINCT (start_time at time zone 'UTC')::date AS d FROM "network_ops_unpartitioned") AS days;
--> statement-breakpoint
INSERT INTO "network_ops" ("project_id", "id", "task_id", "host", "port", "operation", "start_time", "end_time", "bytes_sent", "bytes_received", "error")
SELECT project_id, id, task_id, host, port, operation, start_time, end_time, bytes_sent, bytes_received, error FROM "network_ops_unpartitioned";
--> statement-breakpoint
DROP TABLE "network_ops_unpartitioned";
--> statement-breakpoint
ALTER TABLE "pipeline_events" RENAME TO "pipeline_events_unpartitioned";
--> statement-breakpoint
ALTER TABLE "pipeline_events_unpartitioned" DROP CONSTRAINT "pipeline_events_pk";
--> statement-breakpoint
DROP INDEX "pipeline_events_project_start_idx";
--> statement-breakpoint
DROP INDEX "pipeline_events_project_status_start_idx";
--> statement-breakpoint
CREATE TABLE "pipeline_events" (
	"project_id" uuid NOT NULL,
	"task_id" text NOT NULL,
	"event_name" text NOT NULL,
	"start_time" timestamp (6) with time zone NOT NULL,
	"end_time" timestamp (6) with time zone,
	"status" text NOT NULL,
	"error" text,
	"retry_count" integer NOT NULL,
	"process_id" integer,
	"duration_ms" double precision GENERATED ALWAYS AS (extract(epoch from (end_time - start_time)) * 1000) STORED,
	"attributes" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"day" date NOT NULL,
	CONSTRAINT "pipeline_events_pk" PRIMARY KEY("project_id","task_id","day")
) PARTITION BY RANGE ("day");
--> statement-breakpoint
CREATE INDEX "pipeline_events_project_start_idx" ON "pipeline_events" USING btree ("project_id","start_time");
--> statement-breakpoint
CREATE INDEX "pipeline_events_project_status_start_idx" ON "pipeline_events" USING btree ("project_id","status","start_time");
--> statement-breakpoint
SELECT tracedeck_day_partition('pipeline_events', d) FROM (SELECT DISTINCT (start_time at time zone 'UTC')::date AS d FROM "pipeline_events_unpartitioned") AS days;
--> statement-breakpoint
INSERT INTO "pipeline_events" ("project_id", "task_id", "event_name", "start_time", "end_time", "status", "error", "retry_count", "process_id", "attributes", "updated_at", "day")
SELECT project_id, task_id, event_name, start_time, end_time, status, error, retry_count, process_id, attributes, updated_at, (start_time at time zone 'UTC')::date FROM "pipeline_events_unpartitioned";
--> statement-breakpoint
DROP TABLE "pipeline_events_unpartitioned";
