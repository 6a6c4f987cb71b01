-- A trace's spans in one call: the bounds its summaries give, then its spans with those bounds as
-- values, so that the plan covers only the days the trace ran (the planner prunes the other days'
-- partitions before it opens them). A trace without a summary is looked up on every day.
-- One statement instead of two saves a round trip on every trace lookup.
CREATE OR REPLACE FUNCTION tracedeck_trace_spans(project uuid, trace text) RETURNS SETOF spans
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
  first_start bigint;
  last_end bigint;
BEGIN
  SELECT b.first_start, b.last_end INTO first_start, last_end FROM tracedeck_trace_bounds(project, trace) b;
  IF first_start IS NULL THEN
    RETURN QUERY SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id = trace;
  ELSE
    RETURN QUERY SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id = trace
      AND s.start_time_unix_nano >= first_start AND s.start_time_unix_nano <= last_end;
  END IF;
END
$fn$;
