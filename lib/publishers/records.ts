import { createHash } from "node:crypto";
import type { RecordBatch } from "@/lib/model/records";
import { nanosToIso } from "@/lib/model/time";

// The documents server-side publishers forward: one per pipeline event report, network operation
// report, span or log, snake_case as on Tracedeck's wire, with an id that stays the same when the
// same record is sent twice (a task's later report replaces its earlier one).

export const FORWARDED_SIGNALS = ["pipeline_events", "network_ops", "spans", "logs"] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

export interface ForwardedRecord {
  signal: ForwardedSignal;
  /** Stable per record: the same task, operation, span or log line always gets the same id. */
  id: string;
  /** When it happened (its start), in epoch milliseconds: daily indices are cut by it. */
  timeMs: number;
  document: Record<string, unknown>;
}

const ms = (nanos: bigint) => Number(nanos / 1_000_000n);
const seconds = (nanos: bigint) => Number(nanos / 1000n) / 1e6;

/** The records of one committed batch, for the signals some publisher of the project forwards. */
export function forwardedRecords(
  batch: RecordBatch,
  signals: ReadonlySet<ForwardedSignal>,
  project: string,
): ForwardedRecord[] {
  const out: ForwardedRecord[] = [];
  if (signals.has("pipeline_events")) {
    for (const e of batch.pipelineEvents ?? []) {
      out.push({
        signal: "pipeline_events",
        id: `pipeline_event:${e.taskId}`,
        timeMs: ms(e.startTime),
        document: {
          project,
          event_name: e.eventName,
          task_id: e.taskId,
          start_time: nanosToIso(e.startTime),
          end_time: e.endTime === null ? null : nanosToIso(e.endTime),
          duration_seconds: e.endTime === null ? null : seconds(e.endTime - e.startTime),
          status: e.status,
          error: e.error,
          retry_count: e.retryCount,
          process_id: e.processId,
          attributes: e.attributes,
        },
      });
    }
  }
  if (signals.has("network_ops")) {
    for (const n of batch.networkOps ?? []) {
      out.push({
        signal: "network_ops",
        id: `network_op:${n.taskId}:${n.host}:${n.port}:${n.operation}:${n.startTime}`,
        timeMs: ms(n.startTime),
        document: {
          project,
          task_id: n.taskId,
          host: n.host,
          port: n.port,
          operation: n.operation,
          start_time: nanosToIso(n.startTime),
          end_time: n.endTime === null ? null : nanosToIso(n.endTime),
          latency_seconds: n.endTime === null ? null : seconds(n.endTime - n.startTime),
          bytes_sent: n.bytesSent,
          bytes_received: n.bytesReceived,
          error: n.error,
        },
      });
    }
  }
  if (signals.has("spans")) {
    for (const s of batch.spans ?? []) {
      out.push({
        signal: "spans",
        id: `span:${s.traceId}:${s.spanId}`,
        timeMs: ms(s.startTimeUnixNano),
        document: {
          project,
          trace_id: s.traceId,
          span_id: s.spanId,
          parent_span_id: s.parentSpanId,
          name: s.name,
          service_name: s.serviceName,
          kind: s.kind,
          status_code: s.statusCode,
          status_message: s.statusMessage,
          start_time: nanosToIso(s.startTimeUnixNano),
          end_time: nanosToIso(s.endTimeUnixNano),
          duration_ms: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
          attributes: s.attributes,
          resource_attributes: s.resourceAttributes,
        },
      });
    }
  }
  if (signals.has("logs")) {
    for (const l of batch.logs ?? []) {
      const document = {
        project,
        time: nanosToIso(l.timeUnixNano),
        severity_number: l.severityNumber,
        severity_text: l.severityText,
        body: l.body,
        service_name: l.serviceName,
        trace_id: l.traceId,
        span_id: l.spanId,
        attributes: l.attributes,
      };
      // a log line has no id of its own: the same line sent twice hashes to the same one
      const id = `log:${createHash("sha256").update(JSON.stringify(document)).digest("base64url").slice(0, 27)}`;
      out.push({ signal: "logs", id, timeMs: ms(l.timeUnixNano), document });
    }
  }
  return out;
}
