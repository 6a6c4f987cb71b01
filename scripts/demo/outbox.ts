import type { Signal } from "./send";
import type { ShopTrace } from "./shop";
import type { TaskReport } from "./tasks";
import type { WireEvent, WireNetworkOp } from "./wire";

// Records wait here until the moment the shop would report them: a span when it ends, a log or
// event when it is written, a task report when the task starts, retries or ends. Live traffic
// then reaches the server in the order a real shop's would.

interface Waiting {
  at: number;
  signal: Signal;
  item: unknown;
}

export class Outbox {
  private waiting: Waiting[] = [];

  addTrace(trace: ShopTrace): void {
    for (const span of trace.spans) this.waiting.push({ at: span.end_time, signal: "spans", item: span });
    for (const log of trace.logs) this.waiting.push({ at: log.timestamp, signal: "logs", item: log });
    for (const event of trace.events) this.addEvent(event);
    this.addTasks(trace.taskReports, trace.networkOps);
  }

  addEvent(event: WireEvent): void {
    this.waiting.push({ at: event.timestamp, signal: "events", item: event });
  }

  addTasks(reports: TaskReport[], networkOps: WireNetworkOp[]): void {
    for (const { at, report } of reports) this.waiting.push({ at, signal: "pipelineEvents", item: report });
    for (const op of networkOps)
      this.waiting.push({ at: op.end_time ?? op.start_time, signal: "networkOps", item: op });
  }

  /** Takes the records due by `time` (all of them without a time), per signal, oldest first. */
  take(time = Infinity): Map<Signal, unknown[]> {
    this.waiting.sort((a, b) => a.at - b.at);
    let due = 0;
    while (due < this.waiting.length && this.waiting[due]!.at <= time) due++;
    const taken = this.waiting.slice(0, due);
    this.waiting = this.waiting.slice(due);
    const bySignal = new Map<Signal, unknown[]>();
    for (const { signal, item } of taken) {
      const items = bySignal.get(signal);
      if (items) items.push(item);
      else bySignal.set(signal, [item]);
    }
    return bySignal;
  }
}
