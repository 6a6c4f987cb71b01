-- The first spans of a trace by start, read as one ordered scan that keeps only the earliest `lim` as it goes
-- (a top-N sort), instead of gathering every span of the trace first: the top of a million-span trace costs a
-- pass over its index entries, not a copy of its rows.
CREATE OR REPLACE FUNCTION tracedeck_trace_head(project uuid, trace text, lim integer) RETURNS SETOF spans
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
  first_start bigint;
  last_end bigint;
BEGIN
  SELECT b.first_start, b.last_end INTO first_start, last_end FROM tracedeck_trace_bounds(project, trace) b;
  IF first_start IS NULL THEN
    RETURN QUERY SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id = trace
      ORDER BY s.start_time_unix_nano, s.span_id LIMIT lim;
  ELSE
    RETURN QUERY SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id = trace
      AND s.start_time_unix_nano >= first_start AND s.start_time_unix_nano <= last_end
      ORDER BY s.start_time_unix_nano, s.span_id LIMIT lim;
  END IF;
END
$fn$;
