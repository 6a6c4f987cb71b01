import type { Random } from "./random";
import { micros, type Attributes, type WireLog, type WireNetworkOp, type WirePipelineEvent } from "./wire";

// The shop's background tasks as the pipeline telemetry model sees them: each execution reports
// its start (pending), each retry (pending again, with the retry count), and its end; each
// attempt's network operations carry the task id.

export type TaskName = "order.process" | "email.send" | "inventory.sync" | "payment.capture";

/** A report is sent when it happens (`at`), which for a retry is later than the task's start. */
export interface TaskReport {
  at: number;
  report: WirePipelineEvent;
}

interface TaskRun {
  taskId: string;
  status: "completed" | "failed";
  end: number;
  reports: TaskReport[];
  networkOps: WireNetworkOp[];
  logs: WireLog[];
}

/** Where a task's logs go: the worker that ran it and the trace that asked for it. */
export interface TaskContext {
  resource: Attributes;
  processId: number;
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

interface RemoteCall {
  host: string;
  port: number;
  operation: string;
  bytesSent: [number, number];
  bytesReceived: [number, number];
  /** median and cap of a healthy call, ms */
  latency: [number, number];
  /** how long the client waits before it gives up, ms */
  timeout: number;
}

const PAYMENTS = { host: "payments.example.com", port: 443 };
const SMTP = { host: "smtp.example.com", port: 587 };
const INVENTORY = { host: "inventory.internal", port: 8080 };
const DB = { host: "db.internal", port: 5432 };

interface TaskKind {
  calls: (rand: Random) => RemoteCall[];
  /** why an execution fails for good without retrying (the remote side said no) */
  finalErrors: string[];
}

const TASKS: Record<TaskName, TaskKind> = {
  "order.process": {
    calls: () => [
      {
        ...DB,
        operation: "SELECT orders",
        bytesSent: [180, 320],
        bytesReceived: [600, 2400],
        latency: [3, 40],
        timeout: 5000,
      },
      {
        ...INVENTORY,
        operation: "POST /v1/reservations",
        bytesSent: [400, 1500],
        bytesReceived: [200, 600],
        latency: [35, 300],
        timeout: 5000,
      },
      {
        ...DB,
        operation: "UPDATE orders",
        bytesSent: [240, 420],
        bytesReceived: [40, 80],
        latency: [4, 60],
        timeout: 5000,
      },
    ],
    finalErrors: [
      "inventory.internal answered 409 Conflict: insufficient stock for SKU-{n}",
      "deadlock detected while updating order {order}",
    ],
  },
  "payment.capture": {
    calls: () => [
      {
        ...PAYMENTS,
        operation: "POST /v1/payment_intents/capture",
        bytesSent: [600, 1200],
        bytesReceived: [1500, 4000],
        latency: [180, 900],
        timeout: 10_000,
      },
    ],
    finalErrors: [
      "payments.example.com answered 402: card_declined (insufficient_funds)",
      "payments.example.com answered 409: payment_intent_unexpected_state",
    ],
  },
  "email.send": {
    calls: () => [
      {
        ...SMTP,
        operation: "SMTP EHLO+STARTTLS",
        bytesSent: [300, 500],
        bytesReceived: [900, 1600],
        latency: [120, 600],
        timeout: 30_000,
      },
      {
        ...SMTP,
        operation: "SMTP DATA",
        bytesSent: [8_000, 40_000],
        bytesReceived: [200, 400],
        latency: [250, 1200],
        timeout: 30_000,
      },
    ],
    finalErrors: [
      "550 5.1.1 <{email}>: Recipient address rejected: User unknown",
      "552 5.3.4 Message size exceeds fixed limit",
    ],
  },
  "inventory.sync": {
    calls: (rand) => [
      ...Array.from({ length: rand.int(6, 10) }, (_, page) => ({
        ...INVENTORY,
        operation: `GET /v1/stock?page=${page + 1}`,
        bytesSent: [240, 320] as [number, number],
        bytesReceived: [40_000, 120_000] as [number, number],
        latency: [80, 600] as [number, number],
        timeout: 5000,
      })),
      {
        ...DB,
        operation: "COPY inventory",
        bytesSent: [50_000, 200_000],
        bytesReceived: [60, 120],
        latency: [120, 800],
        timeout: 30_000,
      },
    ],
    finalErrors: ["inventory.internal answered 503 Service Unavailable: upstream warehouse API in maintenance"],
  },
};

/** Share of executions that need one to three retries. */
export const TASK_RETRY_RATE = 0.08;
/** Share of executions that fail for good. */
export const TASK_FAILURE_RATE = 0.04;
/** Share of executions held up by one very slow call. */
export const TASK_SLOW_RATE = 0.03;
const MAX_RETRIES = 3;

function transientError(rand: Random, call: RemoteCall): { error: string; duration: number; partial: boolean } {
  const kind = rand.weighted([
    ["timeout", 4],
    ["refused", 3],
    ["reset", 3],
  ] as const);
  if (kind === "timeout") {
    return {
      error: `ETIMEDOUT: no answer from ${call.host}:${call.port} within ${call.timeout / 1000} s`,
      duration: call.timeout,
      partial: true,
    };
  }
  if (kind === "refused") {
    return {
      error: `ECONNREFUSED: connect ${call.host}:${call.port} refused`,
      duration: rand.between(0.4, 3),
      partial: false,
    };
  }
  return {
    error: `ECONNRESET: ${call.host}:${call.port} closed the connection`,
    duration: rand.latency(call.latency[0], call.latency[1]),
    partial: true,
  };
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? key);

/**
 * One execution of a task starting at `start`: retries after transient network errors with
 * exponential backoff; a few executions fail for good, a few are slow.
 */
export function runTask(rand: Random, name: TaskName, start: number, context: TaskContext): TaskRun {
  const kind = TASKS[name];
  const taskId = `tsk_${rand.id(8)}`;
  const fails = rand.chance(TASK_FAILURE_RATE);
  // a task that fails after retrying has used them all up
  const failsTransiently = fails && rand.chance(0.5);
  const retries = failsTransiently ? MAX_RETRIES : rand.chance(TASK_RETRY_RATE) ? rand.int(1, MAX_RETRIES) : 0;
  const slowAttempt = rand.chance(TASK_SLOW_RATE) ? rand.int(0, retries) : -1;
  const attributes: Attributes = {
    ...context.attributes,
    trace_id: context.traceId,
    "host.name": String(context.resource["host.name"]),
  };
  const report = (at: number, fields: Partial<WirePipelineEvent>): TaskReport => ({
    at: micros(at),
    report: {
      event_name: name,
      task_id: taskId,
      start_time: micros(start),
      status: "pending",
      retry_count: 0,
      process_id: context.processId,
      attributes,
      ...fields,
    },
  });
  const log = (at: number, severity: WireLog["severity"], message: string, extra: Attributes = {}): WireLog => ({
    timestamp: micros(at),
    severity,
    message,
    service_name: String(context.resource["service.name"]),
    trace_id: context.traceId,
    span_id: context.spanId,
    attributes: { "task.id": taskId, "task.name": name, ...extra },
    resource_attributes: context.resource,
  });

  const reports = [report(start, {})];
  const networkOps: WireNetworkOp[] = [];
  const logs: WireLog[] = [log(start, "DEBUG", `${name} ${taskId} started`)];
  let cursor = start;
  let error = "";
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      cursor += 1000 * 2 ** (attempt - 1) * rand.between(0.8, 1.2);
      reports.push(report(cursor, { retry_count: attempt }));
      logs.push(
        log(cursor, "WARN", `retrying ${name} ${taskId} (attempt ${attempt + 1} of ${retries + 1}) after: ${error}`, {
          "task.retry_count": attempt,
        }),
      );
    }
    const lastAttempt = attempt === retries;
    const calls = kind.calls(rand);
    // the call that breaks a failing attempt; the others before it went through
    const breaking = lastAttempt && !failsTransiently ? -1 : rand.int(0, calls.length - 1);
    for (const [index, call] of calls.entries()) {
      cursor += rand.between(0.2, 3);
      const opStart = cursor;
      let duration = rand.latency(call.latency[0], call.latency[1]);
      if (attempt === slowAttempt && index === calls.length - 1)
        duration = rand.between(4000, Math.min(call.timeout - 100, 25_000));
      let sent = rand.int(...call.bytesSent);
      let received = rand.int(...call.bytesReceived);
      let opError: string | undefined;
      if (index === breaking) {
        const transient = transientError(rand, call);
        duration = transient.duration;
        opError = error = transient.error;
        received = transient.partial ? Math.floor(received * rand.between(0, 0.3)) : 0;
        if (!transient.partial) sent = 0;
      }
      cursor += duration;
      networkOps.push({
        task_id: taskId,
        host: call.host,
        port: call.port,
        operation: call.operation,
        start_time: micros(opStart),
        end_time: micros(cursor),
        bytes_sent: sent,
        bytes_received: received,
        ...(opError ? { error: opError } : {}),
      });
      if (index === breaking) break;
    }
  }
  cursor += rand.between(0.5, 5);
  const end = micros(cursor);
  const values = {
    n: String(rand.int(1000, 9999)),
    order: String(context.attributes["order.id"] ?? ""),
    email: `customer${rand.int(1, 9999)}@example.org`,
  };
  if (fails) {
    if (!failsTransiently) error = fill(rand.pick(kind.finalErrors), values);
    reports.push(report(end, { end_time: end, status: "failed", error, retry_count: retries }));
    logs.push(
      log(end, "ERROR", `${name} ${taskId} failed after ${retries} retries: ${error}`, {
        "task.retry_count": retries,
        "error.message": error,
      }),
    );
  } else {
    reports.push(report(end, { end_time: end, status: "completed", retry_count: retries }));
    logs.push(
      log(end, "INFO", `${name} ${taskId} completed in ${Math.round(end - start)} ms`, {
        "task.retry_count": retries,
        "task.duration_ms": Math.round(end - start),
      }),
    );
  }
  return { taskId, status: fails ? "failed" : "completed", end, reports, networkOps, logs };
}

/**
 * Executions that started long ago and never reported an end: a worker that hung on an SMTP
 * connection and a sync whose process was killed. Their open network operation has no end.
 */
export function stuckTasks(
  rand: Random,
  now: number,
  worker: { processId: number; host: string },
): { reports: TaskReport[]; networkOps: WireNetworkOp[] } {
  const reports: TaskReport[] = [];
  const networkOps: WireNetworkOp[] = [];
  for (const [name, target, operation] of [
    ["email.send", SMTP, "SMTP DATA"],
    ["inventory.sync", INVENTORY, "GET /v1/stock?page=4"],
  ] as const) {
    const taskId = `tsk_${rand.id(8)}`;
    const start = micros(now - rand.between(35, 50) * 60_000);
    reports.push({
      at: start,
      report: {
        event_name: name,
        task_id: taskId,
        start_time: start,
        status: "pending",
        retry_count: 0,
        process_id: worker.processId,
        attributes: { "host.name": worker.host },
      },
    });
    networkOps.push({
      task_id: taskId,
      ...target,
      operation,
      start_time: micros(start + rand.between(2, 20)),
      bytes_sent: rand.int(300, 2000),
      bytes_received: 0,
    });
  }
  return { reports, networkOps };
}
