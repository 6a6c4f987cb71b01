-- When a trace ran, from its summaries: the earliest start and the latest end of its spans, so that
-- a lookup of its spans reads only those days' partitions. A function, so that its plan over every
-- partition of traces is made once per connection instead of on every lookup (planning a query
-- over the partitions costs more than running it).
CREATE OR REPLACE FUNCTION tracedeck_trace_bounds(project uuid, trace text, OUT first_start bigint, OUT last_end bigint)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
  SELECT min(start_time_unix_nano), max(end_time_unix_nano) INTO first_start, last_end
    FROM traces WHERE project_id = project AND trace_id = trace;
END
$fn$;
