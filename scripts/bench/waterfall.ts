import { chromium } from "@playwright/test";
import { largeTrace, sendSpans } from "@/e2e/browser/traces";
import { createKey, dashboardCookie, startServer } from "@/e2e/http/server";
import { ensureBuild } from "../next-bin";

// The trace view on large traces: the production server with embedded storage holds traces of
// 10,000 and 100,000 spans; headless Chromium opens each (navigation until the first waterfall
// rows are on screen), scrolls to the middle, and searches for a span deep in the tree. The page's
// own clock says when the first rows were painted; the driver's view adds its polling and IPC.

const SIZES = [10_000, 100_000];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchWaterfall(): Promise<void> {
  await ensureBuild();
  const server = await startServer({ checkAnswers: false });
  try {
    const key = await createKey(server.env, "ingest");
    const cookie = await dashboardCookie(server.url);
    const traces = new Map<number, string>();
    for (const size of SIZES) {
      const spans = largeTrace(size, Date.now() - 10 * 60_000);
      await sendSpans(server.url, key, spans);
      traces.set(size, spans[0]!.trace_id);
    }

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const [name, value] = cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
    const page = await context.newPage();
    // when the first waterfall rows are painted, by the page's own clock (from navigation start)
    await page.addInitScript(() => {
      const observer = new MutationObserver(() => {
        if (!document.querySelector("[role=treeitem]")) return;
        observer.disconnect();
        requestAnimationFrame(() =>
          setTimeout(() => ((window as unknown as { __rowsPainted: number }).__rowsPainted = performance.now())),
        );
      });
      observer.observe(document, { childList: true, subtree: true });
    });

    console.log(`${RUNS} runs each, medians; embedded storage; 1400×900 viewport`);
    for (const [size, traceId] of traces) {
      const api: number[] = [];
      const opened: number[] = [];
      const painted: number[] = [];
      const scrolled: number[] = [];
      const found: number[] = [];
      let bytes = 0;
      let heap = 0;
      for (let run = 0; run < RUNS; run++) {
        let started = performance.now();
        const response = await fetch(`${server.url}/api/v1/traces/${traceId}`, { headers: { cookie } });
        bytes = (await response.arrayBuffer()).byteLength;
        api.push(performance.now() - started);

        started = performance.now();
        await page.goto(`${server.url}/traces/${traceId}`);
        await page.locator("[role=treeitem]").first().waitFor({ timeout: 300_000 });
        opened.push(performance.now() - started);
        painted.push(
          await page
            .waitForFunction(() => (window as unknown as { __rowsPainted?: number }).__rowsPainted)
            .then((handle) => handle.jsonValue() as Promise<number>),
        );

        started = performance.now();
        await page
          .getByTestId("waterfall-scroller")
          .evaluate((element) => (element.scrollTop = element.scrollHeight / 2));
        await page.waitForFunction(() =>
          [...document.querySelectorAll<HTMLElement>("[role=treeitem]")].some(
            (row) => parseFloat(row.style.top) > 100_000,
          ),
        );
        scrolled.push(performance.now() - started);

        const target = `step ${size - 7}`;
        started = performance.now();
        await page.getByRole("searchbox", { name: "Search in this trace" }).fill(target);
        await page.getByRole("searchbox", { name: "Search in this trace" }).press("Enter");
        await page
          .getByRole("complementary", { name: "Span detail" })
          .getByRole("heading", { name: target, exact: true })
          .waitFor();
        found.push(performance.now() - started);
        heap = await page.evaluate(
          () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
        );
      }
      console.log(
        `${size.toLocaleString("en")} spans (${(bytes / 1e6).toFixed(1)} MB JSON): API ${median(api).toFixed(0)} ms · rows painted ${median(painted).toFixed(0)} ms after navigation start (${median(opened).toFixed(0)} ms as the test driver sees it) · scrolled to the middle ${median(scrolled).toFixed(0)} ms · search + jump ${median(found).toFixed(0)} ms · page JS heap ${(heap / 2 ** 20).toFixed(0)} MiB`,
      );
    }
    await browser.close();
  } finally {
    await server.stop();
  }
}
