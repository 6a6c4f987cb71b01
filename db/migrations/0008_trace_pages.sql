-- A trace read a page at a time, so that a trace of a million spans is served in bounded memory: the spans after
-- a (span id, start) key, in the primary key's order, within the bounds the trace's summary gives (so the plan
-- opens only the days the trace ran, as tracedeck_trace_spans does); which of some span ids the trace holds (for
-- a page's spans whose parent is on another page); and the trace's earliest root span.

CREATE OR REPLACE FUNCTION tracedeck_trace_page(project uuid, trace text, after_span text, after_start bigint, lim integer)
RETURNS SETOF spans
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
  first_start bigint;
  last_end bigint;
BEGIN
  SELECT b.first_start, b.last_end INTO first_start, last_end FROM tracedeck_trace_bounds(project, trace) b;
  IF first_start IS NULL THEN
    RETURN QUERY SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id = trace
      AND (s.span_id, s.start_time_unix_nano) > (after_span, after_start)
      ORDER BY s.span_id, s.start_time_unix_nano LIMIT lim;
  ELSE
    RETURN QUERY SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id = trace
      AND s.start_time_unix_nano >= first_start AND s.start_time_unix_nano <= last_end
      AND (s.span_id, s.start_time_unix_nano) > (after_span, after_start)
      ORDER BY s.span_id, s.start_time_unix_nano LIMIT lim;
  END IF;
END
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tracedeck_trace_has_spans(project uuid, trace text, ids text[]) RETURNS SETOF text
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
  first_start bigint;
  last_end bigint;
BEGIN
  SELECT b.first_start, b.last_end INTO first_start, last_end FROM tracedeck_trace_bounds(project, trace) b;
  IF first_start IS NULL THEN
    RETURN QUERY SELECT DISTINCT s.span_id FROM spans s
      WHERE s.project_id = project AND s.trace_id = trace AND s.span_id = ANY(ids);
  ELSE
    RETURN QUERY SELECT DISTINCT s.span_id FROM spans s
      WHERE s.project_id = project AND s.trace_id = trace AND s.span_id = ANY(ids)
      AND s.start_time_unix_nano >= first_start AND s.start_time_unix_nano <= last_end;
  END IF;
END
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tracedeck_trace_root(project uuid, trace text) RETURNS SETOF spans
LANGUAGE sql STABLE AS $fn$
  SELECT * FROM tracedeck_trace_spans(project, trace) s
  WHERE s.parent_span_id IS NULL ORDER BY s.start_time_unix_nano, s.span_id LIMIT 1;
$fn$;
