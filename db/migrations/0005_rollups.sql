-- Rollups: per-minute and per-hour aggregates of spans (per service and operation, and per calling
-- and called service), pipeline events, network operations and the rows of the other signals
-- (trace summaries, logs, events, metric points), range-partitioned by UTC day like
-- the raw tables. The server computes them from the minutes marked in rollup_marks; every minute
-- that already holds data is marked here, so an existing database is rolled up in the background
-- while its queries read raw rows for the minutes not yet done.
CREATE TABLE "network_rollups" (
	"project_id" uuid NOT NULL,
	"step_seconds" integer NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"operation" text NOT NULL,
	"operations" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"bytes_sent" bigint NOT NULL,
	"bytes_received" bigint NOT NULL,
	"histogram" bigint[] NOT NULL,
	"latency_sum_ms" double precision NOT NULL,
	CONSTRAINT "network_rollups_pk" PRIMARY KEY("project_id","step_seconds","time","host","port","operation")
) PARTITION BY RANGE ("time");
--> statement-breakpoint
CREATE TABLE "pipeline_rollups" (
	"project_id" uuid NOT NULL,
	"step_seconds" integer NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"event_name" text NOT NULL,
	"status" text NOT NULL,
	"runs" bigint NOT NULL,
	"retried" bigint NOT NULL,
	"retries" bigint NOT NULL,
	"max_retries" integer NOT NULL,
	"retry_runs" bigint[] NOT NULL,
	"histogram" bigint[] NOT NULL,
	"duration_sum_ms" double precision NOT NULL,
	CONSTRAINT "pipeline_rollups_pk" PRIMARY KEY("project_id","step_seconds","time","event_name","status")
) PARTITION BY RANGE ("time");
--> statement-breakpoint
CREATE TABLE "rollup_marks" (
	"project_id" uuid NOT NULL,
	"source" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"marked_at" timestamp (6) with time zone NOT NULL,
	CONSTRAINT "rollup_marks_pk" PRIMARY KEY("project_id","source","minute")
);
--> statement-breakpoint
CREATE TABLE "row_counts" (
	"project_id" uuid NOT NULL,
	"step_seconds" integer NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"table_name" text NOT NULL,
	"rows" bigint NOT NULL,
	CONSTRAINT "row_counts_pk" PRIMARY KEY("project_id","step_seconds","time","table_name")
) PARTITION BY RANGE ("time");
--> statement-breakpoint
CREATE TABLE "service_edges" (
	"project_id" uuid NOT NULL,
	"step_seconds" integer NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"parent_service" text NOT NULL,
	"child_service" text NOT NULL,
	"calls" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"histogram" bigint[] NOT NULL,
	CONSTRAINT "service_edges_pk" PRIMARY KEY("project_id","step_seconds","time","parent_service","child_service")
) PARTITION BY RANGE ("time");
--> statement-breakpoint
CREATE TABLE "span_rollups" (
	"project_id" uuid NOT NULL,
	"step_seconds" integer NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"service_name" text NOT NULL,
	"name" text NOT NULL,
	"span_count" bigint NOT NULL,
	"request_count" bigint NOT NULL,
	"error_count" bigint NOT NULL,
	"histogram" bigint[] NOT NULL,
	CONSTRAINT "span_rollups_pk" PRIMARY KEY("project_id","step_seconds","time","service_name","name")
) PARTITION BY RANGE ("time");

--> statement-breakpoint
-- A histogram from sparse (bucket, count) pairs, buckets counted from 0 (of `size`), as an array that
-- holds only the buckets from its first count to its last: subscript b + 1 is bucket b, subscripts
-- outside are null (no count). Most rows fill a few buckets, so this keeps them small.
CREATE OR REPLACE FUNCTION tracedeck_histogram(buckets int[], counts bigint[], size int) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  lo int;
  hi int;
  result bigint[];
  i int;
BEGIN
  SELECT min(b), max(b) INTO lo, hi FROM unnest(buckets) AS b WHERE b IS NOT NULL;
  IF lo IS NULL THEN
    RETURN '{}'::bigint[];
  END IF;
  lo := greatest(lo, 0);
  hi := least(hi, size - 1);
  result := array_fill(0::bigint, array[hi - lo + 1], array[lo + 1]);
  FOR i IN 1 .. array_length(buckets, 1) LOOP
    IF buckets[i] IS NOT NULL THEN
      result[buckets[i] + 1] := result[buckets[i] + 1] + counts[i];
    END IF;
  END LOOP;
  RETURN result;
END
$fn$;
--> statement-breakpoint
-- The same trimming for a full histogram (an hour summed from its minutes).
CREATE OR REPLACE FUNCTION tracedeck_histogram_trim(counts bigint[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  lo int := array_lower(counts, 1);
  hi int := array_upper(counts, 1);
  result bigint[];
  i int;
BEGIN
  IF lo IS NULL THEN
    RETURN counts;
  END IF;
  WHILE lo <= hi AND coalesce(counts[lo], 0) = 0 LOOP
    lo := lo + 1;
  END LOOP;
  WHILE hi >= lo AND coalesce(counts[hi], 0) = 0 LOOP
    hi := hi - 1;
  END LOOP;
  IF lo > hi THEN
    RETURN '{}'::bigint[];
  END IF;
  result := array_fill(0::bigint, array[hi - lo + 1], array[lo]);
  FOR i IN lo .. hi LOOP
    result[i] := coalesce(counts[i], 0);
  END LOOP;
  RETURN result;
END
$fn$;
--> statement-breakpoint
INSERT INTO "rollup_marks" (project_id, source, minute, marked_at)
SELECT project_id, 'spans', minute, clock_timestamp()
FROM (SELECT DISTINCT project_id, to_timestamp((start_time_unix_nano / 60000000000) * 60) AS minute FROM "spans") AS m;
--> statement-breakpoint
INSERT INTO "rollup_marks" (project_id, source, minute, marked_at)
SELECT project_id, 'pipeline', minute, clock_timestamp()
FROM (SELECT DISTINCT project_id, to_timestamp(floor(extract(epoch FROM start_time) / 60) * 60) AS minute FROM "pipeline_events") AS m;
--> statement-breakpoint
INSERT INTO "rollup_marks" (project_id, source, minute, marked_at)
SELECT project_id, 'network', minute, clock_timestamp()
FROM (SELECT DISTINCT project_id, to_timestamp(floor(extract(epoch FROM start_time) / 60) * 60) AS minute FROM "network_ops") AS m;
--> statement-breakpoint
INSERT INTO "rollup_marks" (project_id, source, minute, marked_at)
SELECT project_id, 'logs', minute, clock_timestamp()
FROM (SELECT DISTINCT project_id, to_timestamp((time_unix_nano / 60000000000) * 60) AS minute FROM "logs") AS m;
--> statement-breakpoint
INSERT INTO "rollup_marks" (project_id, source, minute, marked_at)
SELECT project_id, 'events', minute, clock_timestamp()
FROM (SELECT DISTINCT project_id, to_timestamp(floor(extract(epoch FROM time) / 60) * 60) AS minute FROM "events") AS m;
--> statement-breakpoint
INSERT INTO "rollup_marks" (project_id, source, minute, marked_at)
SELECT project_id, 'metrics', minute, clock_timestamp()
FROM (SELECT DISTINCT project_id, to_timestamp(floor(extract(epoch FROM time) / 60) * 60) AS minute FROM "metric_points") AS m;
