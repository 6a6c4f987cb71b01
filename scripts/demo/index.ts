// npm run demo [-- --url <url>] [--key <key_id:secret>] [--project <slug>] [--backfill <minutes>] [--minutes <n>] [--seed <n>]
// Sends a small shop's telemetry to a running Tracedeck server: first the last minutes' history,
// then live traffic, so every dashboard page has something to show.
import { createDemoKey, parseKey } from "./key";
import { ShopMetrics } from "./metrics";
import { parseOptions, USAGE } from "./options";
import { Outbox } from "./outbox";
import { Random } from "./random";
import { checkServer, Ingest, KeyRefused, ServerUnreachable, type Signal } from "./send";
import { deployEvent, generateTrace, requestsPerSecond, SHOP_SERVICES, workerProcessId } from "./shop";
import { stuckTasks } from "./tasks";

const clock = (time: number) => new Date(time).toTimeString().slice(0, 8);
const count = (n: number) => n.toLocaleString("en-US");

/**
 * The shop's traffic from a start time on, generated as time advances. Every draw from `rand`
 * happens in the order of the shop's own time, however time is cut into steps, so one seed
 * makes the same traffic relative to its start.
 */
class ShopTraffic {
  readonly outbox = new Outbox();
  readonly metrics: ShopMetrics;
  traces = 0;
  tasks = 0;
  private nextArrival: number;
  private nextDeploy: number;

  constructor(
    private readonly rand: Random,
    private readonly start: number,
    now: number,
  ) {
    // the metrics' own generator: they are made when a window is sent, which live depends on the clock
    this.metrics = new ShopMetrics(new Random((rand.seed + 1) >>> 0), start);
    this.nextArrival = start + rand.arrivalGap(requestsPerSecond(0));
    this.nextDeploy = start + rand.between(2, 9) * 60_000;
    // a couple of executions that hung long before the demo's history begins
    const worker = SHOP_SERVICES.worker.hosts[0]!;
    const stuck = stuckTasks(rand, now, { processId: workerProcessId(worker), host: worker });
    this.outbox.addTasks(stuck.reports, stuck.networkOps);
    this.tasks += stuck.reports.length;
  }

  /** Generates everything that starts before `until`. */
  advance(until: number): void {
    while (Math.min(this.nextArrival, this.nextDeploy) < until) {
      if (this.nextDeploy <= this.nextArrival) {
        this.outbox.addEvent(deployEvent(this.rand, this.nextDeploy));
        this.nextDeploy += this.rand.between(8, 15) * 60_000;
        continue;
      }
      const trace = generateTrace(this.rand, this.nextArrival);
      this.outbox.addTrace(trace);
      this.metrics.observe(trace);
      this.traces += 1;
      this.tasks += trace.taskReports.filter((r) => r.report.status === "pending" && r.report.retry_count === 0).length;
      this.nextArrival += this.rand.arrivalGap(requestsPerSecond(this.nextArrival - this.start));
    }
  }
}

/** Requests of a metric window can end up to a few seconds after their trace was generated. */
const METRIC_LAG_MS = 5_000;

/** Sends what is due by `until`; without it, everything queued, as the demo stops. */
async function deliver(traffic: ShopTraffic, ingest: Ingest, until?: number): Promise<void> {
  const due = traffic.outbox.take(until);
  for (const signal of ["spans", "logs", "events", "pipelineEvents", "networkOps"] as Signal[]) {
    const items = due.get(signal);
    if (items) await ingest.send(signal, items);
  }
  const metrics = until === undefined ? traffic.metrics.exportAll() : traffic.metrics.export(until - METRIC_LAG_MS);
  await ingest.send("metrics", metrics.points);
  await ingest.sendHistograms(metrics.histograms, metrics.histogramPoints);
}

let stopping = false;
let stoppingSince = 0;
let wake = () => {};
const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

process.on("SIGINT", () => {
  // Ctrl-C reaches npm, tsx and this process at once, and tsx passes its copy on: a second
  // signal within a second is the same key press
  if (stopping) {
    if (Date.now() - stoppingSince > 1000) process.exit(130);
    return;
  }
  stopping = true;
  stoppingSince = Date.now();
  console.log("\nstopping: sending what is queued (Ctrl-C again to quit at once)");
  wake();
});

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  await checkServer(options.url);

  let key = options.key ? parseKey(options.key) : undefined;
  if (!key) {
    key = await createDemoKey(options.url, options.project);
    console.log(`Created the ingest key ${key.keyId} for project "${options.project}" (scopes ingest, read).`);
  } else {
    console.log(`Using the key ${key.keyId}.`);
  }
  const ingest = new Ingest(options.url, `${key.keyId}:${key.secret}`);
  await ingest.checkKey();

  const started = Date.now();
  const rand = new Random(options.seed, started);
  console.log(
    `Sending a shop's telemetry to ${options.url} (seed ${options.seed}; --seed ${options.seed} repeats it).`,
  );
  const traffic = new ShopTraffic(rand, started - options.backfillMinutes * 60_000, started);

  if (options.backfillMinutes > 0) {
    const chunk = 5 * 60_000;
    for (let from = started - options.backfillMinutes * 60_000; from < started && !stopping; from += chunk) {
      const until = Math.min(from + chunk, started);
      const tracesBefore = traffic.traces;
      // a minute at a time, so sending overlaps generating
      for (let t = from; t < until; t += 60_000) {
        traffic.advance(Math.min(t + 60_000, until));
        await deliver(traffic, ingest, Math.min(t + 60_000, until));
      }
      console.log(
        `  history ${clock(from)}–${clock(until)}: ${count(traffic.traces - tracesBefore)} traces (${count(ingest.accepted.spans)} spans accepted so far)`,
      );
    }
    await ingest.drain();
    console.log(`History of ${options.backfillMinutes} min sent in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }

  if (options.liveMinutes > 0 && !stopping) {
    const end = Date.now() + options.liveMinutes * 60_000;
    console.log(`Live traffic until ${clock(end)} (Ctrl-C stops).`);
    let lastReport = Date.now();
    let tracesAtReport = traffic.traces;
    while (!stopping && Date.now() < end) {
      const now = Date.now();
      traffic.advance(now);
      await deliver(traffic, ingest, now);
      if (now - lastReport >= 15_000) {
        console.log(
          `  live ${clock(now)}: ${count(traffic.traces - tracesAtReport)} traces in ${Math.round((now - lastReport) / 1000)} s`,
        );
        lastReport = now;
        tracesAtReport = traffic.traces;
      }
      await sleep(Math.min(1000, Math.max(0, end - Date.now())));
    }
  }

  // what is still waiting belongs to traces and tasks already begun: sending it (slightly ahead
  // of its time) leaves no trace without its root and no task pending that would have ended
  await deliver(traffic, ingest);
  await ingest.drain();

  const { accepted, lost } = ingest;
  const lostTotal = Object.values(lost).reduce((a, b) => a + b, 0);
  console.log(`
Sent to ${options.url}:
  traces          ${count(traffic.traces)} (${count(accepted.spans)} spans)
  logs            ${count(accepted.logs)}
  metric points   ${count(accepted.metrics)}
  events          ${count(accepted.events)}
  tasks           ${count(traffic.tasks)} (${count(accepted.pipelineEvents)} reports)
  network ops     ${count(accepted.networkOps)}
  requests        ${count(ingest.requests)}`);
  if (lostTotal > 0) {
    const bySignal = Object.entries(lost)
      .filter(([, n]) => n > 0)
      .map(([signal, n]) => `${signal} ${count(n)}`)
      .join(", ");
    console.error(`✗ ${count(lostTotal)} records were rejected or not delivered (${bySignal}); the reasons are above.`);
  }
  const query = options.project === "default" ? "" : `?project=${encodeURIComponent(options.project)}`;
  console.log(`\nOpen the dashboard: ${options.url}/${query}`);
  return lostTotal > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  if (error instanceof ServerUnreachable) {
    console.error(
      `${error.message}.\nStart the server first with \`npm start\`, or point the demo at it with --url (or TRACEDECK_URL).`,
    );
  } else if (error instanceof KeyRefused) {
    console.error(
      `${error.message}.\nPass a key of this server with --key key_id:secret (npm run keys -- create --scopes ingest,read).`,
    );
  } else if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`${(error as Error).message}\n${USAGE}`);
  } else {
    console.error(`demo: ${(error as Error).message}`);
  }
  process.exitCode = 1;
}
