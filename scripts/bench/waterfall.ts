import { request as httpRequest } from "node:http";
import { loadavg } from "node:os";
import { chromium, type Page } from "@playwright/test";
import { TRACE_TOP_SPANS } from "@/components/data/requests";
import { randomTraceId, sendSpans, traceBatches } from "@/e2e/browser/traces";
import { createKey, dashboardCookie, startServer } from "@/e2e/http/server";
import { ensureBuild } from "../next-bin";
import { currentRss, peakRss, resetPeakRss } from "./proc";

// The trace view on large traces: the production server with embedded storage holds traces of 10,000, 100,000 and
// 1,000,000 spans (about 10 levels deep, 6 services, 1% failed); headless Chromium opens each and the benchmark
// prints what a user waits for: the API's answers (time and bytes on the wire, br-compressed, as the browser reads
// them: the trace's top, then the pages of its outline), the first rows on screen (when the browser painted the
// first row's name, by Element Timing) and when the page was next free to act on input after that, the whole trace
// loaded (by the page's own clock, from navigation start), collapse all / expand all, scrolling to the middle, a
// search for a deep span (typing to the count of matches shown) and the jump to it (Enter to the span opened), each
// from its first input event to the frame after the outcome shows; the page's JS heap (after a full collection) and
// the server's peak RSS while it served the trace.
// BENCH_WATERFALL_SIZES=10000,100000 picks the sizes; BENCH_RUNS the runs of each below a million (one of that);
// BENCH_DATABASE_URL a Postgres database (created empty) instead of the embedded store; BENCH_TRACES=size:id,… the
// traces a run before left in that database, to open them again without ingesting.

const SIZES = (process.env.BENCH_WATERFALL_SIZES ?? "10000,100000,1000000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--enable-precise-memory-info",
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (values: number[]) => `${median(values).toFixed(0)} ms`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** A GET as the browser sends it (br accepted): the time to the last byte, and the bytes on the wire. */
function timedGet(url: string, cookie: string): Promise<{ ms: number; wire: number; body: Buffer }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { cookie, "accept-encoding": "br, gzip" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const wire = Buffer.concat(chunks);
        const encoding = res.headers["content-encoding"];
        import("node:zlib")
          .then((zlib) => {
            const body =
              encoding === "br" ? zlib.brotliDecompressSync(wire) : encoding === "gzip" ? zlib.gunzipSync(wire) : wire;
            resolve({ ms: performance.now() - started, wire: wire.length, body });
          })
          .catch(reject);
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** The trace read as the trace page reads it: its top, then every page of its outline by span id. */
async function readTrace(base: string, traceId: string, cookie: string): Promise<{ ms: number; wire: number }> {
  const started = performance.now();
  const outline = `${base}/api/v1/traces/${traceId}/outline`;
  const top = await timedGet(`${outline}?order=start&limit=${TRACE_TOP_SPANS}`, cookie);
  let wire = top.wire;
  const answer = JSON.parse(top.body.toString()) as { span_count: number; spans?: { span_id: [] } };
  if (!answer.spans) throw new Error(`the trace's top was not answered: ${top.body.toString().slice(0, 300)}`);
  const { span_count, spans } = answer;
  if (spans.span_id.length < span_count) {
    let cursor: string | null = null;
    do {
      const page = await timedGet(`${outline}${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`, cookie);
      wire += page.wire;
      cursor = (JSON.parse(page.body.toString()) as { next_cursor: string | null }).next_cursor;
    } while (cursor);
  }
  return { ms: performance.now() - started, wire };
}

/** What an interaction waits for, as the page checks it each frame. */
type Outcome =
  | { kind: "collapsed" }
  | { kind: "expanded" }
  | { kind: "row-below"; top: number }
  | { kind: "matched" }
  | { kind: "opened"; name: string };

/**
 * An interaction's latency as the page lives it: from the first input event it gets (a click, a key, text typed, a
 * scroll) to the frame after the one in which the outcome shows, by the page's clock; the driver's own round trips
 * are not in it.
 */
async function timed(page: Page, outcome: Outcome, action: () => Promise<void>): Promise<number> {
  await page.evaluate((wanted) => {
    const marks = window as unknown as { __took?: number };
    marks.__took = undefined;
    let start: number | undefined;
    for (const type of ["click", "keydown", "input", "scroll"])
      document.addEventListener(type, () => (start ??= performance.now()), { capture: true, once: true });
    const holds = (): boolean => {
      const shown = document.querySelector('[data-testid="rows-shown"]')?.textContent ?? "";
      switch (wanted.kind) {
        case "collapsed":
          return shown.includes(" of ");
        case "expanded":
          return shown !== "" && !shown.includes(" of ");
        case "row-below":
          return [...document.querySelectorAll<HTMLElement>("[role=treeitem]")].some(
            (row) => parseFloat(row.style.top) > wanted.top,
          );
        case "matched":
          return /^\d/.test(document.querySelector('[data-testid="search-matches"]')?.textContent ?? "");
        case "opened":
          return [...document.querySelectorAll('[aria-label="Span detail"] h2')].some(
            (h) => h.textContent === wanted.name,
          );
      }
    };
    const tick = () => {
      if (start !== undefined && holds()) {
        const from = start;
        requestAnimationFrame(() => setTimeout(() => (marks.__took = performance.now() - from)));
      } else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, outcome);
  await action();
  return (await page
    .waitForFunction(() => (window as unknown as { __took?: number }).__took, undefined, { timeout: 120_000 })
    .then((h) => h.jsonValue())) as number;
}

const shownCount = (page: Page) =>
  page.getByTestId("trace-page").evaluate((element) => Number((element as HTMLElement).dataset.spansShown));

export async function benchWaterfall(): Promise<void> {
  await ensureBuild();
  // BENCH_DATABASE_URL: a Postgres database to hold the traces instead of the embedded store
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const server = await startServer({ checkAnswers: false, ...(databaseUrl ? { databaseUrl } : {}) });
  const pid = server.child.pid!;
  try {
    const key = await createKey(server.env, "ingest");
    const cookie = await dashboardCookie(server.url);
    const traces = new Map<number, string>();
    // BENCH_TRACES=10000:<trace id>,…: traces of a database a run before left there, instead of new ones
    for (const pair of process.env.BENCH_TRACES?.split(",") ?? []) {
      const [size, traceId] = pair.split(":");
      traces.set(Number(size), traceId!);
    }
    for (const size of traces.size > 0 ? [] : SIZES) {
      const traceId = randomTraceId();
      const started = performance.now();
      // a trace of some 280 spans a second, as a long batch job makes them: a million spans last an hour (spans
      // packed into seconds would put a million into one minute of the rollups)
      const durationMs = Math.max(10_000, size * 3.6);
      const startMs = Date.now() - durationMs - 60_000;
      let resets = 0;
      for (const batch of traceBatches(size, { startMs, traceId, fanOut: 4, batch: 5000, durationMs })) {
        // a batch whose connection was reset is sent again, as an exporter would (a retried batch stores nothing
        // twice); the count is printed, since a reset means the server stood still too long
        for (let attempt = 1; ; attempt++) {
          try {
            await sendSpans(server.url, key, batch, 5000);
            break;
          } catch (error) {
            if (!(error instanceof TypeError) || attempt === 5) throw error;
            resets++;
            await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
          }
        }
      }
      console.log(
        `ingested ${size.toLocaleString("en")} spans in ${((performance.now() - started) / 1000).toFixed(1)} s${resets ? ` (${resets} batches sent again after a connection reset)` : ""}`,
      );
      traces.set(size, traceId);
    }

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    });
    console.log(
      `${databaseUrl ? "Postgres" : "embedded"} storage; 1400×900 viewport; load before ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    // one visit before the runs, as a server that has served pages before: its code loaded and compiled
    {
      const context = await browser.newContext();
      const [name, value] = cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      await page.goto(`${server.url}/traces/${traces.values().next().value!}`);
      await page.getByRole("treeitem").first().waitFor({ timeout: 120_000 });
      await context.close();
    }
    for (const [size, traceId] of traces) {
      const runs = size >= 1_000_000 ? 1 : RUNS;
      const api: number[] = [];
      const onScreen: number[] = [];
      const firstRows: number[] = [];
      const loaded: number[] = [];
      const collapse: number[] = [];
      const expand: number[] = [];
      const scrolled: number[] = [];
      const searched: number[] = [];
      const found: number[] = [];
      let wire = 0;
      let heap = 0;
      resetPeakRss(pid);
      const rssBefore = currentRss(pid);
      for (let run = 0; run < runs; run++) {
        const read = await readTrace(server.url, traceId, cookie);
        api.push(read.ms);
        wire = read.wire;

        // a fresh page each run: nothing cached in the browser
        const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
        const [name, value] = cookie.split("=") as [string, string];
        await context.addCookies([{ name, value, url: server.url }]);
        const page = await context.newPage();
        // the loader that runs this file names the functions it passes to the page with a helper of its own
        await page.addInitScript({ content: "window.__name = (f) => f;" });
        // when the first waterfall rows are painted, and when the whole trace is in, by the page's own clock
        await page.addInitScript(() => {
          const marks = window as unknown as { __rowsPainted?: number; __complete?: number; __rowsOnScreen?: number };
          // the paint of the first row's name, as the browser reports it (Element Timing)
          new PerformanceObserver((list) => {
            for (const entry of list.getEntries() as (PerformanceEntry & { renderTime: number })[])
              if (entry.renderTime > 0) marks.__rowsOnScreen ??= entry.renderTime;
          }).observe({ type: "element", buffered: true });
          const observer = new MutationObserver(() => {
            if (marks.__rowsPainted === undefined && document.querySelector("[role=treeitem]"))
              requestAnimationFrame(() => setTimeout(() => (marks.__rowsPainted ??= performance.now())));
            if (marks.__complete === undefined && document.querySelector('[data-complete="true"]')) {
              marks.__complete = -1;
              requestAnimationFrame(() => setTimeout(() => (marks.__complete = performance.now())));
            }
          });
          observer.observe(document, { childList: true, subtree: true, attributes: true });
        });
        await page.goto(`${server.url}/traces/${traceId}`);
        onScreen.push(
          (await page
            .waitForFunction(() => (window as unknown as { __rowsOnScreen?: number }).__rowsOnScreen, undefined, {
              timeout: 600_000,
            })
            .then((h) => h.jsonValue())) as number,
        );
        firstRows.push(
          (await page
            .waitForFunction(() => (window as unknown as { __rowsPainted?: number }).__rowsPainted, undefined, {
              timeout: 600_000,
            })
            .then((h) => h.jsonValue())) as number,
        );
        loaded.push(
          (await page
            .waitForFunction(
              () => {
                const t = (window as unknown as { __complete?: number }).__complete;
                return t !== undefined && t > 0 ? t : undefined;
              },
              undefined,
              { timeout: 1_800_000 },
            )
            .then((h) => h.jsonValue())) as number,
        );
        const all = await shownCount(page);
        const status = page.getByTestId("waterfall-scroller");
        collapse.push(
          await timed(page, { kind: "collapsed" }, () => page.getByRole("button", { name: "Collapse all" }).click()),
        );
        expand.push(
          await timed(page, { kind: "expanded" }, () => page.getByRole("button", { name: "Expand all" }).click()),
        );
        scrolled.push(
          await timed(page, { kind: "row-below", top: ((all * 24) / 2) * 0.9 }, () =>
            status.evaluate((element) => void (element.scrollTop = element.scrollHeight / 2)),
          ),
        );
        const target = `step ${size - 7}`;
        const search = page.getByRole("searchbox", { name: "Search in this trace" });
        searched.push(await timed(page, { kind: "matched" }, () => search.fill(target)));
        found.push(await timed(page, { kind: "opened", name: target }, () => search.press("Enter")));
        // what the page holds, not what it has let go of and the collector has not yet taken back
        const cdp = await context.newCDPSession(page);
        await cdp.send("HeapProfiler.collectGarbage");
        heap = await page.evaluate(
          () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
        );
        if (all !== size) throw new Error(`the page showed ${all} of ${size} spans`);
        await context.close();
      }
      console.log(
        `${size.toLocaleString("en")} spans (${runs} run${runs > 1 ? "s" : ""}, medians): API ${ms(api)} for ${(wire / 1e6).toFixed(1)} MB on the wire (br) · first rows on screen ${ms(onScreen)} (page free to act ${ms(firstRows)}) · fully loaded ${ms(loaded)} · collapse all ${ms(collapse)} · expand all ${ms(expand)} · scroll to the middle ${ms(scrolled)} · search ${ms(searched)} · jump to the match ${ms(found)} · page JS heap ${mib(heap)} after a full GC · server peak RSS ${mib(peakRss(pid))} (${mib(rssBefore)} before it served the trace)`,
      );
    }
    console.log(
      `load after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    await browser.close();
  } catch (error) {
    // what the server said last, when it went away under the load
    console.error(server.output().slice(-4000));
    throw error;
  } finally {
    await server.stop();
  }
}
