-- The top of a trace read as one ordered scan that stops at the earliest `lim` spans, instead of gathering every
-- span of the trace first and sorting them (tracedeck_trace_head of 0009). A huge trace is read in start order
-- from the (project, start) index: its first rows cost a few hundred index entries, not a million rows (0.5 s
-- on Postgres, far longer embedded). A trace's spans are most of what its project stored while it ran only when
-- the trace is huge, so only a trace of `huge` spans or more (by its summary; 50,000 unless told) is read this
-- way; a smaller one is read by the primary key, which touches its spans only, keeping the earliest as it goes.
-- Spans that start at the same nanosecond as the last one kept may be left out of the top in either order.
DROP FUNCTION IF EXISTS tracedeck_trace_head(uuid, text, integer);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tracedeck_trace_head(project uuid, trace text, lim integer, huge integer DEFAULT 50000)
RETURNS SETOF spans
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan SET enable_bitmapscan = off AS $fn$
DECLARE
  first_start bigint;
  last_end bigint;
  total integer;
BEGIN
  SELECT b.first_start, b.last_end INTO first_start, last_end FROM tracedeck_trace_bounds(project, trace) b;
  IF first_start IS NULL THEN
    RETURN QUERY SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id = trace
      ORDER BY s.start_time_unix_nano, s.span_id LIMIT lim;
    RETURN;
  END IF;
  SELECT max(t.span_count) INTO total FROM traces t WHERE t.project_id = project AND t.trace_id = trace;
  IF total >= huge AND total > lim THEN
    -- the trace id is compared as text so that the plan walks the start index, not the primary key
    RETURN QUERY SELECT * FROM (
      SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id || '' = trace
        AND s.start_time_unix_nano >= first_start AND s.start_time_unix_nano <= last_end
        ORDER BY s.start_time_unix_nano LIMIT lim
    ) top ORDER BY top.start_time_unix_nano, top.span_id;
  ELSE
    RETURN QUERY SELECT * FROM spans s WHERE s.project_id = project AND s.trace_id = trace
      AND s.start_time_unix_nano >= first_start AND s.start_time_unix_nano <= last_end
      ORDER BY s.start_time_unix_nano, s.span_id LIMIT lim;
  END IF;
END
$fn$;
