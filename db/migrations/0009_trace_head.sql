-- The first spans of a trace by start time, for a viewer that shows the top of a long trace before the rest has
-- come: one pass over the trace's spans (within the days it ran) keeping the earliest `lim`.
CREATE OR REPLACE FUNCTION tracedeck_trace_head(project uuid, trace text, lim integer) RETURNS SETOF spans
LANGUAGE sql STABLE AS $fn$
  SELECT * FROM tracedeck_trace_spans(project, trace) s ORDER BY s.start_time_unix_nano, s.span_id LIMIT lim;
$fn$;
