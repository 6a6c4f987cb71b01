-- Counters for GET /metrics that only grow: the writer adds each report's contribution as it stores it (the
-- added_* columns carry what the report merged in last contributed), and retention never drops them. They start
-- from what GET /metrics answered before them, so that no series goes down at the upgrade: the minute rollups of
-- the minutes rolled up, and the raw rows of the minutes still marked (lib/query/rollup-plan.ts). A raw row's
-- bucket is that of lib/storage/histogram.ts's bounds, written out here as they are when this migration is made.
CREATE TABLE "network_counters" (
	"project_id" uuid NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"operation" text NOT NULL,
	"operations" bigint NOT NULL,
	"histogram" bigint[] NOT NULL,
	"latency_sum_ms" double precision NOT NULL,
	"bytes_sent" bigint NOT NULL,
	"bytes_received" bigint NOT NULL,
	CONSTRAINT "network_counters_pk" PRIMARY KEY("project_id","host","port","operation")
);
--> statement-breakpoint
CREATE TABLE "pipeline_counters" (
	"project_id" uuid NOT NULL,
	"event_name" text NOT NULL,
	"status" text NOT NULL,
	"outcomes" bigint NOT NULL,
	"histogram" bigint[] NOT NULL,
	"duration_sum_ms" double precision NOT NULL,
	"retries" bigint NOT NULL,
	CONSTRAINT "pipeline_counters_pk" PRIMARY KEY("project_id","event_name","status")
);
--> statement-breakpoint
ALTER TABLE "network_ops" ADD COLUMN "added_end" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "network_ops" ADD COLUMN "added_bytes_sent" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "network_ops" ADD COLUMN "added_bytes_received" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "pipeline_events" ADD COLUMN "added_outcome" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "pipeline_events" ADD COLUMN "added_retries" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
WITH rolled AS (
	SELECT r.project_id, r.event_name, r.status, r.histogram, r.duration_sum_ms, r.retries
	FROM pipeline_rollups r
	WHERE r.step_seconds = 60 AND NOT EXISTS (
		SELECT 1 FROM rollup_marks m WHERE m.project_id = r.project_id AND m.source = 'pipeline' AND m.minute = r.time)
), raw AS (
	SELECT e.project_id, e.event_name, e.status, e.duration_ms, e.retry_count
	FROM pipeline_events e
	WHERE EXISTS (
		SELECT 1 FROM rollup_marks m WHERE m.project_id = e.project_id AND m.source = 'pipeline'
			AND m.minute = to_timestamp(floor(extract(epoch FROM e.start_time) / 60) * 60))
), counts AS (
	SELECT project_id, event_name, status, i, sum(n) AS n FROM (
		SELECT r.project_id, r.event_name, r.status, i, r.histogram[i] AS n
		FROM rolled r, generate_subscripts(r.histogram, 1) AS i
		UNION ALL
		SELECT project_id, event_name, status, 144 - width_bucket(-duration_ms, '{-3611620,-3037000,-2553800,-2147480,-1805810,-1518500,-1276900,-1073740,-902906,-759250,-638451,-536871,-451453,-379625,-319225,-300000,-268435,-225726,-189813,-159613,-134218,-112863,-94906.3,-79806.3,-67108.9,-60000,-56431.6,-47453.1,-39903.2,-33554.4,-30000,-28215.8,-23726.6,-19951.6,-16777.2,-14107.9,-11863.3,-10000,-9975.79,-8388.61,-7053.95,-5931.64,-5000,-4987.9,-4194.3,-3526.98,-2965.82,-2500,-2493.95,-2097.15,-1763.49,-1482.91,-1246.97,-1048.58,-1000,-881.744,-741.455,-623.487,-524.288,-500,-440.872,-370.728,-311.744,-262.144,-250,-220.436,-185.364,-155.872,-131.072,-110.218,-100,-92.6819,-77.9359,-65.536,-55.109,-50,-46.341,-38.9679,-32.768,-27.5545,-25,-23.1705,-19.484,-16.384,-13.7772,-11.5852,-10,-9.74198,-8.192,-6.88862,-5.79262,-5,-4.87099,-4.096,-3.44431,-2.89631,-2.4355,-2.048,-1.72216,-1.44815,-1.21775,-1.024,-1,-0.861078,-0.724077,-0.608874,-0.512,-0.430539,-0.362039,-0.304437,-0.256,-0.215269,-0.181019,-0.152219,-0.128,-0.107635,-0.0905097,-0.0761093,-0.064,-0.0538174,-0.0452548,-0.0380546,-0.032,-0.0269087,-0.0226274,-0.0190273,-0.016,-0.0134543,-0.0113137,-0.00951366,-0.008,-0.00672717,-0.00565685,-0.00475683,-0.004,-0.00336359,-0.00282843,-0.00237841,-0.002,-0.00168179,-0.00141421,-0.00118921,-0.001}'::float8[]), 1
		FROM raw WHERE duration_ms IS NOT NULL
	) c GROUP BY project_id, event_name, status, i
), totals AS (
	SELECT project_id, event_name, status, sum(duration_sum_ms) AS duration_sum_ms, sum(retries) AS retries FROM (
		SELECT project_id, event_name, status, duration_sum_ms, retries FROM rolled
		UNION ALL
		SELECT project_id, event_name, status, coalesce(duration_ms, 0), retry_count FROM raw
	) t GROUP BY project_id, event_name, status
)
INSERT INTO pipeline_counters (project_id, event_name, status, outcomes, histogram, duration_sum_ms, retries)
SELECT t.project_id, t.event_name, t.status, coalesce(sum(c.n), 0), array_agg(coalesce(c.n, 0) ORDER BY g.i)::bigint[],
	t.duration_sum_ms, t.retries
FROM totals t CROSS JOIN generate_series(1, 144) AS g(i)
LEFT JOIN counts c ON c.project_id = t.project_id AND c.event_name = t.event_name AND c.status = t.status AND c.i = g.i
GROUP BY t.project_id, t.event_name, t.status, t.duration_sum_ms, t.retries;
--> statement-breakpoint
WITH rolled AS (
	SELECT r.project_id, r.host, r.port, r.operation, r.histogram, r.latency_sum_ms, r.bytes_sent, r.bytes_received
	FROM network_rollups r
	WHERE r.step_seconds = 60 AND NOT EXISTS (
		SELECT 1 FROM rollup_marks m WHERE m.project_id = r.project_id AND m.source = 'network' AND m.minute = r.time)
), raw AS (
	SELECT n.project_id, n.host, n.port, n.operation, n.latency_ms, n.bytes_sent, n.bytes_received
	FROM network_ops n
	WHERE EXISTS (
		SELECT 1 FROM rollup_marks m WHERE m.project_id = n.project_id AND m.source = 'network'
			AND m.minute = to_timestamp(floor(extract(epoch FROM n.start_time) / 60) * 60))
), counts AS (
	SELECT project_id, host, port, operation, i, sum(n) AS n FROM (
		SELECT r.project_id, r.host, r.port, r.operation, i, r.histogram[i] AS n
		FROM rolled r, generate_subscripts(r.histogram, 1) AS i
		UNION ALL
		SELECT project_id, host, port, operation, 144 - width_bucket(-latency_ms, '{-3611620,-3037000,-2553800,-2147480,-1805810,-1518500,-1276900,-1073740,-902906,-759250,-638451,-536871,-451453,-379625,-319225,-300000,-268435,-225726,-189813,-159613,-134218,-112863,-94906.3,-79806.3,-67108.9,-60000,-56431.6,-47453.1,-39903.2,-33554.4,-30000,-28215.8,-23726.6,-19951.6,-16777.2,-14107.9,-11863.3,-10000,-9975.79,-8388.61,-7053.95,-5931.64,-5000,-4987.9,-4194.3,-3526.98,-2965.82,-2500,-2493.95,-2097.15,-1763.49,-1482.91,-1246.97,-1048.58,-1000,-881.744,-741.455,-623.487,-524.288,-500,-440.872,-370.728,-311.744,-262.144,-250,-220.436,-185.364,-155.872,-131.072,-110.218,-100,-92.6819,-77.9359,-65.536,-55.109,-50,-46.341,-38.9679,-32.768,-27.5545,-25,-23.1705,-19.484,-16.384,-13.7772,-11.5852,-10,-9.74198,-8.192,-6.88862,-5.79262,-5,-4.87099,-4.096,-3.44431,-2.89631,-2.4355,-2.048,-1.72216,-1.44815,-1.21775,-1.024,-1,-0.861078,-0.724077,-0.608874,-0.512,-0.430539,-0.362039,-0.304437,-0.256,-0.215269,-0.181019,-0.152219,-0.128,-0.107635,-0.0905097,-0.0761093,-0.064,-0.0538174,-0.0452548,-0.0380546,-0.032,-0.0269087,-0.0226274,-0.0190273,-0.016,-0.0134543,-0.0113137,-0.00951366,-0.008,-0.00672717,-0.00565685,-0.00475683,-0.004,-0.00336359,-0.00282843,-0.00237841,-0.002,-0.00168179,-0.00141421,-0.00118921,-0.001}'::float8[]), 1
		FROM raw WHERE latency_ms IS NOT NULL
	) c GROUP BY project_id, host, port, operation, i
), totals AS (
	SELECT project_id, host, port, operation, sum(latency_sum_ms) AS latency_sum_ms, sum(bytes_sent) AS bytes_sent,
		sum(bytes_received) AS bytes_received
	FROM (
		SELECT project_id, host, port, operation, latency_sum_ms, bytes_sent, bytes_received FROM rolled
		UNION ALL
		SELECT project_id, host, port, operation, coalesce(latency_ms, 0), bytes_sent, bytes_received FROM raw
	) t GROUP BY project_id, host, port, operation
)
INSERT INTO network_counters (project_id, host, port, operation, operations, histogram, latency_sum_ms, bytes_sent,
	bytes_received)
SELECT t.project_id, t.host, t.port, t.operation, coalesce(sum(c.n), 0),
	array_agg(coalesce(c.n, 0) ORDER BY g.i)::bigint[], t.latency_sum_ms, t.bytes_sent, t.bytes_received
FROM totals t CROSS JOIN generate_series(1, 144) AS g(i)
LEFT JOIN counts c ON c.project_id = t.project_id AND c.host = t.host AND c.port = t.port AND c.operation = t.operation
	AND c.i = g.i
GROUP BY t.project_id, t.host, t.port, t.operation, t.latency_sum_ms, t.bytes_sent, t.bytes_received;
