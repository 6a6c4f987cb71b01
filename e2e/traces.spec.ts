import { expect, test, type Page } from "@playwright/test";
import { freshProject, post } from "./browser/ingest";
import { signInAsOwner } from "./browser/session";
import { largeTrace, randomTraceId, sendSpans } from "./browser/traces";

// Services, trace search and the trace view, on data sent through the ingest API.

const run = Date.now().toString(36);
const api = `shop-api-${run}`;
const db = `shop-db-${run}`;
const TRACES = 60;
const hex16 = (n: number) => n.toString(16).padStart(16, "0");
const slowTrace = randomTraceId();
const xssTrace = randomTraceId();
const bigTrace = randomTraceId();
// a root and its 8 children
const smallTrace = randomTraceId();
// a root, 8 children, 64 grandchildren, and 7 spans a level below those (under step 9)
const nestedTrace = randomTraceId();
// a root, a span whose parent never arrived, and two spans that name each other as parent
const brokenTrace = randomTraceId();
const traceIds: string[] = [];

test.beforeAll(async ({ request }) => {
  const now = Date.now();
  const spans: unknown[] = [];
  for (let i = 0; i < TRACES; i++) {
    const traceId = i === 7 ? slowTrace : randomTraceId();
    traceIds.push(traceId);
    const start = now - 20 * 60_000 + i * 15_000;
    const failed = i % 10 === 3;
    const duration = i === 7 ? 2500 : 40 + (i % 5) * 10;
    spans.push(
      {
        trace_id: traceId,
        span_id: hex16(i * 2 + 1),
        name: i % 2 ? "GET /cart" : "POST /checkout",
        service_name: api,
        kind: "server",
        start_time: new Date(start).toISOString(),
        duration_ms: duration,
        status: failed ? { code: "error", message: "payment declined" } : undefined,
        attributes: {
          "http.route": i % 2 ? "/cart" : "/checkout",
          "customer.tier": i % 2 ? "gold" : "basic",
          "retry.count": 3,
          "cart.ratio": 0.25,
          "cache.hit": false,
          "cart.items": ["sku-1", "sku-2"],
        },
        resource_attributes: { "service.name": api, "host.name": "web-1" },
        events: failed
          ? [
              {
                name: "exception",
                timestamp: new Date(start + 5).toISOString(),
                attributes: { "exception.type": "PaymentError", "exception.message": "card declined" },
              },
            ]
          : [],
      },
      {
        trace_id: traceId,
        span_id: hex16(i * 2 + 2),
        parent_span_id: hex16(i * 2 + 1),
        name: "SELECT orders",
        service_name: db,
        kind: "client",
        start_time: new Date(start + 2).toISOString(),
        duration_ms: duration - 10,
        status: failed ? "error" : undefined,
        attributes: { "db.system": "postgresql" },
      },
    );
  }
  spans.push({
    trace_id: xssTrace,
    span_id: hex16(9001),
    name: `<img src=x onerror="window.__xss=1">checkout`,
    service_name: api,
    kind: "server",
    start_time: new Date(now - 60_000).toISOString(),
    duration_ms: 12,
    attributes: { note: "<script>window.__xss=2</script>", "<b>key</b>": "<img src=y onerror=window.__xss=3>" },
  });
  await post(request, "/api/v1/spans", { spans });
  await post(request, "/api/v1/logs", {
    logs: [
      {
        message: "payment provider answered 402",
        severity: "error",
        service_name: api,
        trace_id: slowTrace,
        span_id: hex16(15),
        timestamp: new Date(now - 20 * 60_000 + 7 * 15_000 + 100).toISOString(),
      },
      {
        message: "checkout started",
        severity: "info",
        service_name: api,
        trace_id: slowTrace,
        span_id: hex16(15),
        timestamp: new Date(now - 20 * 60_000 + 7 * 15_000 + 1).toISOString(),
      },
    ],
  });
  await sendSpans(
    process.env.TRACEDECK_E2E_URL!,
    process.env.TRACEDECK_E2E_KEY!,
    largeTrace(10_000, now - 5 * 60_000, bigTrace),
  );
  await sendSpans(process.env.TRACEDECK_E2E_URL!, process.env.TRACEDECK_E2E_KEY!, [
    ...largeTrace(9, now - 4 * 60_000, smallTrace),
    ...largeTrace(80, now - 3 * 60_000, nestedTrace),
  ]);
  const broken = (id: number, parent: number | undefined, name: string) => ({
    trace_id: brokenTrace,
    span_id: hex16(id),
    ...(parent === undefined ? {} : { parent_span_id: hex16(parent) }),
    name,
    // a service of its own, so the counts of the other tests stay as they are
    service_name: `broken-${run}`,
    kind: "internal",
    start_time: new Date(now - 2 * 60_000 + id).toISOString(),
    duration_ms: 50 - id,
  });
  await post(request, "/api/v1/spans", {
    spans: [broken(1, undefined, "root"), broken(2, 99, "orphan"), broken(3, 4, "loop a"), broken(4, 3, "loop b")],
  });
});

test.beforeEach(async ({ page }) => {
  await signInAsOwner(page.request);
});

const waterfallRow = (page: Page, spanId: string) => page.locator(`[role=treeitem][data-span-id="${spanId}"]`);

test("overview ranks services with sparklines, and a service page charts RED and lists its operations", async ({
  page,
}) => {
  await page.goto("/?from=now-30m");
  const services = page.getByRole("table", { name: "Services" });
  const row = services.locator(`tr[data-service="${api}"]`);
  await expect(row).toBeVisible();
  await expect(row.locator('[data-column="error-rate"]')).toHaveText("9.84%"); // 6 failed of 61 requests
  await expect(
    row
      .getByRole("figure", { name: `${api} requests over time` })
      .locator("path")
      .first(),
  ).toBeAttached();
  await expect(services.locator(`tr[data-service="${db}"] [data-column="rate"]`)).toHaveText("0/s"); // client spans only: it handled no requests
  // a click on a sparkline opens the service's traces of that moment: on the p95 line, the slowest first
  const spark = (await row.getByRole("figure", { name: `${api} p95 latency over time` }).boundingBox())!;
  await page.mouse.move(spark.x + spark.width * 0.5, spark.y + spark.height / 2);
  await page.mouse.click(spark.x + spark.width * 0.5, spark.y + spark.height / 2);
  await expect(page).toHaveURL(/\/traces\?/);
  const moment = new URL(page.url()).searchParams;
  expect([moment.get("service"), moment.get("sort")]).toEqual([api, "slowest"]);
  await page.goBack();
  await expect(row).toBeVisible();
  // the stored counts say they are all time, not the range's
  await expect(page.getByRole("region", { name: "Stored in this project, all time (within retention)" })).toBeVisible();
  // each header stands over its figures: their right edges line up
  for (const [header, column] of [
    ["Requests", "rate"],
    ["Error rate", "error-rate"],
    ["p95", "p95"],
  ]) {
    const head = (await services.getByRole("columnheader", { name: header, exact: true }).boundingBox())!;
    const cell = (await row.locator(`[data-column="${column}"]`).boundingBox())!;
    expect(Math.abs(head.x + head.width - (cell.x + cell.width)), header).toBeLessThan(2);
  }

  await row.getByRole("link", { name: api }).click();
  await expect(page).toHaveURL(new RegExp(`/services/${api}\\?from=now-30m$`));
  await expect(page.getByRole("heading", { name: api })).toBeVisible();
  for (const chart of ["Requests per second", "Error rate", "Latency percentiles"]) {
    await expect(page.getByRole("figure", { name: chart }).locator(".recharts-surface")).toBeVisible();
  }
  await expect(page.getByRole("list", { name: "Latency percentiles: legend" }).getByRole("listitem")).toHaveText([
    "p50",
    "p95",
    "p99",
  ]);
  // a chart's tooltip tells the time on the 24-hour clock, as the rest of the dashboard does
  const latency = page.getByRole("figure", { name: "Latency percentiles" }).locator(".recharts-surface");
  const box = (await latency.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
  const tooltip = page.getByRole("figure", { name: "Latency percentiles" }).locator(".recharts-tooltip-label");
  await expect(tooltip).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  // a click on the latency chart opens that moment's traces of the service, the slowest first
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
  await page.mouse.click(box.x + box.width * 0.45, box.y + box.height / 2);
  await expect(page).toHaveURL(/\/traces\?/);
  const bucket = new URL(page.url()).searchParams;
  expect([bucket.get("service"), bucket.get("sort")]).toEqual([api, "slowest"]);
  const [bucketFrom, bucketTo] = [Number(bucket.get("from")), Number(bucket.get("to"))];
  expect(bucketTo - bucketFrom).toBeGreaterThan(0);
  expect(bucketTo - bucketFrom).toBeLessThan(10 * 60_000);
  const inBucket = page.getByRole("list", { name: "Trace results" }).getByRole("listitem");
  await expect(inBucket.first()).toBeVisible();
  await page.goBack();
  const operations = page.getByRole("table", { name: "Operations" });
  await expect(operations.getByRole("row")).toHaveCount(4); // a header and three operations
  await operations.getByRole("link", { name: "GET /cart" }).click();
  await expect(page).toHaveURL(/\/traces\?/);
  expect(new URL(page.url()).searchParams.get("operation")).toBe("GET /cart");
  await expect(page.getByRole("list", { name: "Trace results" }).getByRole("listitem")).toHaveCount(TRACES / 2);

  // a service of client calls only: its operation is measured by its spans, not a row of dashes
  await page.goto(`/services/${db}?from=now-30m`);
  const select = page.getByRole("table", { name: "Operations" }).locator('tr[data-operation="SELECT orders"]');
  await expect(select).toHaveAttribute("data-measure", "spans");
  await expect(select.locator('[data-column="rate"]')).toHaveText(/spans$/);
  await expect(select.locator('[data-column="error-rate"]')).toHaveText("10%"); // 6 of 60 failed
  await expect(select.locator('[data-column="p95"]')).not.toHaveText("–");
});

test("trace search: filters narrow the results, pages go back in time, a dot opens its trace", async ({ page }) => {
  await page.goto(`/traces?from=now-30m&service=${api}`);
  const results = page.getByRole("list", { name: "Trace results" }).getByRole("listitem");
  await expect(results).toHaveCount(50);
  // the chart draws the whole range's traces, not only this page's
  const durations = page.getByRole("region", { name: "Durations" });
  await expect(durations.locator(".recharts-scatter-symbol")).toHaveCount(TRACES + 1);
  await expect(durations).toContainText(`All ${TRACES + 1} matching traces of the time range`);
  await page.getByRole("button", { name: "Older traces →" }).click();
  await expect(results).toHaveCount(TRACES + 1 - 50); // the page's own traces plus the one with markup in its name
  await expect(durations.locator(".recharts-scatter-symbol")).toHaveCount(TRACES + 1);
  await page.getByRole("button", { name: "← Newest" }).click();
  await expect(results).toHaveCount(50);

  // slowest first: the 2.5 s trace leads, and the URL keeps the order
  await page.getByLabel("Sort").selectOption("slowest");
  await expect(page).toHaveURL(/sort=slowest/);
  await expect(results.first()).toContainText("2.5 s");
  await expect(results.first()).toHaveAttribute("data-trace-id", slowTrace);
  const shown = await results.evaluateAll((items) =>
    items.map((item) => item.querySelector(".tabular-nums")?.textContent ?? ""),
  );
  const ms = shown.map((text) => {
    const [value, unit] = text.split(" ");
    return Number(value) * ({ µs: 1e-3, ms: 1, s: 1000, min: 60_000 }[unit!] ?? Number.NaN);
  });
  expect(ms).toEqual([...ms].sort((a, b) => b - a));
  await page.getByLabel("Sort").selectOption("newest");
  await expect(page).not.toHaveURL(/sort=/);

  await page.getByLabel("Status").selectOption("error");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(results).toHaveCount(TRACES / 10);
  await expect(results.first()).toContainText("2 errors");

  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Min duration (ms)").fill("1000");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(results).toHaveCount(1);
  await expect(results.first()).toContainText("2.5 s");

  await page.getByLabel("Min duration (ms)").fill("");
  await page.getByLabel("Attribute (key:value)").fill("customer.tier:gold");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(results).toHaveCount(TRACES / 2);
  expect(new URL(page.url()).searchParams.getAll("attr")).toEqual(["customer.tier:gold"]);

  // the URL alone reproduces the view
  await page.goto(page.url());
  await expect(results).toHaveCount(TRACES / 2);

  await page.goto(`/traces?from=now-30m&service=${api}&min_duration_ms=1000`);
  await page
    .getByRole("figure", { name: "Trace durations over time" })
    .locator(".recharts-scatter-symbol")
    .first()
    .click();
  await expect(page).toHaveURL(new RegExp(`/traces/${slowTrace}`));
  await expect(page.getByRole("heading", { name: `${api}: GET /cart` })).toBeVisible();
});

test("two traces ticked in the list are compared as one tree, the span that explains the difference first", async ({
  page,
}) => {
  await page.goto(`/traces?from=now-30m&service=${api}&operation=GET%20/cart`);
  await expect(page.getByText("Tick two traces to compare them")).toBeVisible();
  await page.getByLabel(`Compare ${traceIds[5]}`).check();
  await page.getByLabel(`Compare ${slowTrace}`).check();
  await page.getByRole("link", { name: "Compare the two ticked traces" }).click();
  await expect(page).toHaveURL(/\/traces\/compare\?/);
  const url = new URL(page.url());
  expect([url.searchParams.get("a"), url.searchParams.get("b")]).toEqual([traceIds[5], slowTrace]);

  const check = async () => {
    await expect(page.getByTestId("duration-A")).toHaveText("40 ms · 2 spans");
    await expect(page.getByTestId("duration-B")).toHaveText("2.5 s · 2 spans");
    await expect(page.getByTestId("difference")).toHaveText("+2.46 s");
    // the database call took the extra time; the root's own time did not change
    const largest = page.getByRole("region", { name: "Largest differences" }).getByRole("listitem");
    await expect(largest).toHaveCount(1);
    await expect(largest.first()).toContainText(`+2.46 s${db}: SELECT orders`);
    const merged = page.getByRole("table", { name: "Merged spans" }).locator("tbody tr");
    await expect(merged).toHaveCount(2);
    await expect(merged.and(page.locator('[data-presence="both"]'))).toHaveCount(2);
  };
  await check();
  // the link alone reproduces it
  await page.goto(page.url());
  await check();

  // a trace with more levels: what only B has is marked so
  await page.goto(`/traces/compare?from=now-30m&a=${smallTrace}&b=${nestedTrace}`);
  const merged = page.getByRole("table", { name: "Merged spans" }).locator("tbody tr");
  await expect(merged).toHaveCount(80);
  await expect(merged.and(page.locator('[data-presence="both"]'))).toHaveCount(9);
  await expect(merged.and(page.locator('[data-presence="b"]'))).toHaveCount(71);
  await expect(merged.and(page.locator('[data-presence="b"]')).first()).toContainText("only in B");

  // what is not a trace is refused with a reason
  const form = page.getByRole("form", { name: "Traces to compare" });
  await form.getByLabel("Trace A").fill("not a trace");
  await form.getByRole("button", { name: "Compare" }).click();
  await expect(form.getByRole("alert")).toHaveText("Trace A is not a trace id, a traceparent or a link to a trace.");
});

test("trace view: waterfall, span detail with typed attributes and events, critical path, and the trace's logs", async ({
  page,
}) => {
  await page.goto(`/traces/${traceIds[3]}`);
  await expect(page.getByRole("tree", { name: "Spans" }).getByRole("treeitem")).toHaveCount(2);
  const root = waterfallRow(page, hex16(7));
  await expect(root.getByLabel("error")).toBeVisible();
  await expect(root.locator("[data-critical]")).not.toHaveCount(0);

  await root.click();
  const detail = page.getByRole("complementary", { name: "Span detail" });
  await expect(detail.getByRole("heading", { name: "GET /cart" })).toBeVisible();
  await expect(detail).toContainText("error: payment declined");
  const attributes = detail.getByRole("table", { name: "Span attributes" });
  const typed = async (key: string) =>
    (
      await attributes
        .getByRole("row")
        .filter({ has: page.getByRole("rowheader", { name: key, exact: true }) })
        .innerText()
    )
      .replace(/\s+/g, " ")
      .trim();
  expect(await typed("retry.count")).toBe("retry.count int 3");
  expect(await typed("cart.ratio")).toBe("cart.ratio double 0.25");
  expect(await typed("cache.hit")).toBe("cache.hit bool false");
  expect(await typed("cart.items")).toBe('cart.items array ["sku-1","sku-2"]');
  await expect(detail.getByRole("region", { name: "Events (1)" })).toContainText("exception");
  await expect(detail.getByRole("region", { name: "Events (1)" })).toContainText("PaymentError");
  await expect(detail.getByRole("table", { name: "Resource attributes" })).toContainText("web-1");
  expect(new URL(page.url()).searchParams.get("span")).toBe(hex16(7));

  // the selected span is part of the link
  await page.reload();
  await expect(
    page.getByRole("complementary", { name: "Span detail" }).getByRole("heading", { name: "GET /cart" }),
  ).toBeVisible();
  await page.getByRole("button", { name: "Close span detail" }).click();
  await expect(detail).toBeHidden();

  await root.getByRole("button", { name: "Collapse GET /cart" }).click();
  await expect(page.getByRole("tree", { name: "Spans" }).getByRole("treeitem")).toHaveCount(1);
  await root.getByRole("button", { name: "Expand GET /cart" }).click();
  await expect(page.getByRole("tree", { name: "Spans" }).getByRole("treeitem")).toHaveCount(2);

  await page.goto(`/traces/${slowTrace}`);
  const logs = page.getByRole("region", { name: "Logs of this trace" });
  await expect(logs.getByRole("listitem")).toHaveCount(2);
  await expect(logs.getByRole("listitem").first()).toContainText("checkout started");
  await logs.getByRole("listitem").nth(1).getByRole("button", { name: "span" }).click();
  await expect(
    page.getByRole("complementary", { name: "Span detail" }).getByRole("heading", { name: "GET /cart" }),
  ).toBeVisible();

  // the span's service's charts, over the half hour around it
  await page
    .getByRole("complementary", { name: "Span detail" })
    .getByRole("link", { name: `${api}’s charts at this time` })
    .click();
  await expect(page).toHaveURL(new RegExp(`/services/${api}\\?`));
  const range = new URL(page.url()).searchParams;
  const spanStart = Date.now() - 20 * 60_000 + 7 * 15_000;
  expect(Math.abs(Number(range.get("from")) - (spanStart - 15 * 60_000))).toBeLessThan(60_000);
  expect(Number(range.get("to")) - Number(range.get("from"))).toBeGreaterThan(30 * 60_000);
  await expect(page.getByRole("figure", { name: "Latency percentiles" }).locator(".recharts-surface")).toBeVisible();
});

test("a 10,000-span trace opens, scrolls, and finds a span deep inside", async ({ page }) => {
  await page.goto(`/traces/${bigTrace}`);
  await expect(page.getByTestId("span-count")).toHaveText("10000");
  const rows = page.getByRole("tree", { name: "Spans" }).getByRole("treeitem");
  await expect(rows.first()).toBeVisible();
  // virtualized: a screenful of rows is in the page, not ten thousand
  expect(await rows.count()).toBeLessThan(200);

  const scroller = page.getByTestId("waterfall-scroller");
  await scroller.evaluate((element) => (element.scrollTop = element.scrollHeight - element.clientHeight));
  await expect(waterfallRow(page, hex16(1))).toHaveCount(0);
  await expect(rows.last()).toBeVisible();
  expect(await rows.count()).toBeLessThan(200);

  await page.getByRole("searchbox", { name: "Search in this trace" }).fill("step 4321");
  await expect(page.getByTestId("search-matches")).toHaveText("1 matching span");
  await page.getByRole("searchbox", { name: "Search in this trace" }).press("Enter");
  await expect(waterfallRow(page, hex16(4322))).toBeVisible();
  await expect(
    page.getByRole("complementary", { name: "Span detail" }).getByRole("heading", { name: "step 4321" }),
  ).toBeVisible();
});

// spans of `largeTrace`: span i is named "step i" and has the id i + 1
const step = (i: number) => hex16(i + 1);
const spansShown = (page: Page) => page.getByRole("region", { name: "Waterfall" }).getByTestId("rows-shown");

test("a small trace's waterfall is as tall as its rows, and a root spanning the trace keeps its duration in view", async ({
  page,
}) => {
  await page.goto(`/traces/${smallTrace}`);
  const rows = page.getByRole("tree", { name: "Spans" }).getByRole("treeitem");
  await expect(rows).toHaveCount(9);
  const scroller = page.getByTestId("waterfall-scroller");
  const box = (await scroller.boundingBox())!;
  expect(Math.round(box.height)).toBe(9 * 24);
  // no blank area under the last row, and nothing to scroll
  expect(await scroller.evaluate((element) => element.scrollHeight - element.clientHeight)).toBeLessThanOrEqual(0);

  // the root's bar fills the timeline: its label sits inside the bar, on screen, not clipped away
  const label = waterfallRow(page, step(0)).getByTestId("span-duration");
  await expect(label).toHaveText("10 s");
  await expect(label).toBeInViewport();
  const labelBox = (await label.boundingBox())!;
  const bar = (await waterfallRow(page, step(0)).getByTestId("span-bar").boundingBox())!;
  expect(labelBox.x).toBeGreaterThanOrEqual(bar.x);
  expect(labelBox.x + labelBox.width).toBeLessThanOrEqual(box.x + box.width);
  // the label is what a pointer at its middle touches: it is not hidden under the name column or clipped
  expect(
    await label.evaluate((element) => {
      const r = element.getBoundingClientRect();
      return element.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    }),
  ).toBe(true);
});

test("collapse and expand a subtree, collapse all and expand all", async ({ page }) => {
  await page.goto(`/traces/${nestedTrace}`);
  await expect(spansShown(page)).toHaveText("80 spans");
  await page.getByRole("button", { name: "Collapse all" }).click();
  await expect(spansShown(page)).toHaveText("9 of 80 spans shown");
  await expect(waterfallRow(page, step(9))).toHaveCount(0);

  const first = waterfallRow(page, step(1));
  await first.getByRole("button", { name: "Expand step 1" }).click();
  await expect(spansShown(page)).toHaveText("17 of 80 spans shown");
  await expect(waterfallRow(page, step(9))).toHaveAttribute("aria-expanded", "false");
  await waterfallRow(page, step(9)).getByRole("button", { name: "Expand step 9" }).click();
  await expect(spansShown(page)).toHaveText("24 of 80 spans shown");
  await expect(waterfallRow(page, step(73))).toBeVisible();
  await first.getByRole("button", { name: "Collapse step 1" }).click();
  await expect(spansShown(page)).toHaveText("9 of 80 spans shown");
  await expect(waterfallRow(page, step(73))).toHaveCount(0);

  await page.getByRole("button", { name: "Expand all" }).click();
  await expect(spansShown(page)).toHaveText("80 spans");
});

test("search steps through matches both ways, wrapping around, and opens collapsed spans to show them", async ({
  page,
}) => {
  await page.goto(`/traces/${nestedTrace}`);
  await page.getByRole("button", { name: "Collapse all" }).click();
  await expect(spansShown(page)).toHaveText("9 of 80 spans shown");
  const search = page.getByRole("searchbox", { name: "Search in this trace" });
  const count = page.getByTestId("search-matches");
  const detail = page.getByRole("complementary", { name: "Span detail" });

  await search.fill("no such span");
  await expect(count).toHaveText("no matching spans");
  await expect(page.getByRole("button", { name: "Next" })).toBeDisabled();

  // in tree order: step 73–79 (under step 1 → step 9), step 7, then step 70–72 (under step 8)
  await search.fill("step 7");
  await expect(count).toHaveText("11 matching spans");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(count).toHaveText("1 of 11 matching spans");
  await expect(detail.getByRole("heading", { name: "step 73" })).toBeVisible();
  await expect(waterfallRow(page, step(73))).toBeInViewport();
  await expect(waterfallRow(page, step(73))).toHaveAttribute("aria-selected", "true");

  await page.getByRole("button", { name: "Previous" }).click();
  await expect(count).toHaveText("11 of 11 matching spans");
  await expect(detail.getByRole("heading", { name: "step 72" })).toBeVisible();
  await expect(waterfallRow(page, step(72))).toBeInViewport();
  await search.press("Enter");
  await expect(count).toHaveText("1 of 11 matching spans");
  await expect(detail.getByRole("heading", { name: "step 73" })).toBeVisible();
  await search.press("Shift+Enter");
  await expect(count).toHaveText("11 of 11 matching spans");

  await search.fill("step 79");
  await expect(count).toHaveText("1 matching span");
});

test("a span opened by its link is scrolled into view", async ({ page }) => {
  // step 8 is row 65 of 80, far below the first screen
  await page.goto(`/traces/${nestedTrace}?span=${step(8)}`);
  await expect(
    page.getByRole("complementary", { name: "Span detail" }).getByRole("heading", { name: "step 8" }),
  ).toBeVisible();
  await expect(waterfallRow(page, step(8))).toBeInViewport();
});

test("dragging across the minimap zooms the waterfall to that time; zoom in, out and reset", async ({ page }) => {
  await page.goto(`/traces/${nestedTrace}`);
  await expect(spansShown(page)).toHaveText("80 spans");
  const minimap = page.getByRole("group", { name: /Trace minimap/ });
  const box = (await minimap.boundingBox())!;
  const y = box.y + box.height / 2;
  // the first tenth of the trace: the root, step 1 and what runs inside it
  await page.mouse.move(box.x + box.width * 0.01, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.05, y, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.1, y, { steps: 4 });
  await page.mouse.up();
  const reset = page.getByRole("button", { name: /^Reset zoom/ });
  await expect(reset).toBeVisible();
  await expect(spansShown(page)).toHaveText(/^\d+ of 80 spans shown$/);
  await expect(waterfallRow(page, step(1))).toBeVisible();
  await expect(waterfallRow(page, step(8))).toHaveCount(0);
  const zoomed = await reset.innerText();

  await page.getByRole("button", { name: "Zoom in" }).click();
  await expect(reset).not.toHaveText(zoomed);
  await page.getByRole("button", { name: "Zoom out" }).click();
  await expect(reset).toHaveText(zoomed);

  // a search that lands outside the window widens it back to the whole trace
  await page.getByRole("searchbox", { name: "Search in this trace" }).fill("step 8");
  await page.getByRole("searchbox", { name: "Search in this trace" }).press("Enter");
  await expect(waterfallRow(page, step(8))).toBeVisible();
  await expect(reset).toBeHidden();

  await page.getByRole("button", { name: "Zoom in" }).click();
  await expect(reset).toBeVisible();
  await reset.click();
  await expect(spansShown(page)).toHaveText("80 spans");
});

test("a trace opens by its id, a traceparent or a link, from the Traces page and from the header", async ({ page }) => {
  await page.goto("/traces?from=now-30m");
  const pageBox = page.getByRole("main").getByRole("search", { name: "Open a trace by id", exact: true });
  await pageBox.getByLabel("Trace id").fill(`  ${nestedTrace.toUpperCase()} `);
  await pageBox.getByRole("button", { name: "Open trace" }).click();
  await expect(page).toHaveURL(new RegExp(`/traces/${nestedTrace}\\?from=now-30m$`));
  await expect(page.getByTestId("span-count")).toHaveText("80");

  const header = page.getByRole("banner").getByRole("search", { name: "Open a trace", exact: true });
  await header.getByLabel("Trace id").fill(`00-${smallTrace}-${step(3)}-01`);
  await header.getByLabel("Trace id").press("Enter");
  await expect(page).toHaveURL(new RegExp(`/traces/${smallTrace}\\?from=now-30m$`));
  await expect(page.getByTestId("span-count")).toHaveText("9");

  // a link someone shared, with the span it had open
  await header.getByLabel("Trace id").fill(`https://tracedeck.example/traces/${nestedTrace}?span=${step(2)}`);
  await header.getByLabel("Trace id").press("Enter");
  await expect(
    page.getByRole("complementary", { name: "Span detail" }).getByRole("heading", { name: "step 2" }),
  ).toBeVisible();

  // a wrong value says so where it was typed, and goes nowhere
  const url = page.url();
  await header.getByLabel("Trace id").fill("checkout-42");
  await header.getByLabel("Trace id").press("Enter");
  await expect(header.getByRole("alert")).toContainText("Not a trace id");
  await expect(header.getByLabel("Trace id")).toHaveAttribute("aria-invalid", "true");
  expect(page.url()).toBe(url);

  await page.goto("/traces");
  await pageBox.getByLabel("Trace id").fill(`${nestedTrace.slice(0, 31)}x`);
  await pageBox.getByRole("button", { name: "Open trace" }).click();
  await expect(pageBox.getByRole("alert")).toContainText("Not a trace id");
  await expect(page).toHaveURL(/\/traces$/);
});

test("spans whose parent is missing or loops are shown at the top level, flagged", async ({ page }) => {
  await page.goto(`/traces/${brokenTrace}`);
  await expect(page.getByRole("tree", { name: "Spans" }).getByRole("treeitem")).toHaveCount(4);
  const orphan = waterfallRow(page, hex16(2));
  await expect(orphan).toHaveAttribute("aria-level", "1");
  await expect(orphan.locator("[data-problem]")).toHaveText("no parent");
  // the loop is cut at one of its two spans, which leads; the other hangs under it
  await expect(page.locator("[role=treeitem] [data-problem=parent-cycle]")).toHaveCount(1);
  await expect(page.locator('[role=treeitem][aria-level="2"]')).toHaveCount(1);
  await expect(waterfallRow(page, hex16(1)).locator("[data-problem]")).toHaveCount(0);
});

test("markup in span names and attributes is shown as text and never runs", async ({ page }) => {
  await page.goto(`/traces?from=now-30m&service=${api}`);
  await expect(
    page.getByRole("list", { name: "Trace results" }).getByText(`<img src=x onerror="window.__xss=1">checkout`),
  ).toBeVisible();
  await page.goto(`/traces/${xssTrace}`);
  const row = waterfallRow(page, hex16(9001));
  await expect(row).toContainText(`<img src=x onerror="window.__xss=1">checkout`);
  await row.click();
  const attributes = page.getByRole("table", { name: "Span attributes" });
  await expect(attributes).toContainText("<script>window.__xss=2</script>");
  await expect(attributes).toContainText("<b>key</b>");
  await expect(attributes).toContainText("<img src=y onerror=window.__xss=3>");
  expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"], img[src="y"], b:text("key")').count()).toBe(0);
});

test("an unknown trace says so; a new project is empty and shows how to send data", async ({ page }) => {
  await page.goto(`/traces/${"0".repeat(32)}`);
  await expect(page.getByRole("alert").filter({ hasText: "Could not load" })).toContainText(
    `no trace ${"0".repeat(32)}`,
  );

  const slug = `empty-${run}`;
  await freshProject(page.request, slug);
  await page.goto(`/?project=${slug}`);
  await expect(page.getByLabel("Project", { exact: true })).toHaveValue(slug);
  const guide = page.getByRole("region", { name: "Send data" });
  // the demo it suggests fills this project, not the default one
  await expect(guide.getByText(`npm run demo -- --project ${slug}`, { exact: true })).toBeVisible();
  await guide.getByRole("button", { name: "Create an ingest key" }).click();
  const key = (await guide.getByLabel("New ingest key").innerText()).trim();
  expect(key).toMatch(/^tfk_[\w-]+:tfs_[\w-]+$/);
  // the key shown works, for this project
  await post(
    page.request,
    "/api/v1/spans",
    {
      spans: [{ name: "hello", service_name: "first", kind: "server", start_time: Date.now() / 1000, duration_ms: 3 }],
    },
    key,
  );
  await page.reload();
  await expect(page.getByRole("table", { name: "Services" }).locator('tr[data-service="first"]')).toBeVisible();

  await page.goto(`/traces?project=empty-none-${run}`);
  await expect(page.getByRole("alert").filter({ hasText: "Could not load" })).toContainText(
    `no project "empty-none-${run}"`,
  );
  await page.goto(`/traces?project=${slug}&status=error`);
  await expect(page.getByText("No trace matches these filters in this time range")).toBeVisible();
});

test("the time range, project and theme live in the URL and cookies and carry across sections", async ({ page }) => {
  await page.goto("/traces");
  await page.getByRole("button", { name: "Time range" }).click();
  await page.getByRole("button", { name: "Last 5 minutes" }).click();
  await expect(page).toHaveURL(/from=now-5m/);
  await expect(page.getByRole("button", { name: "Time range" })).toHaveText("Last 5 minutes");
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Overview" }).click();
  await expect(page).toHaveURL(/\/\?from=now-5m$/);

  await page.getByRole("button", { name: "Time range" }).click();
  const dialog = page.getByRole("dialog", { name: "Choose a time range" });
  await dialog.getByLabel("From").fill("2026-01-01T10:00");
  await dialog.getByLabel("To").fill("2026-01-01T11:00");
  await dialog.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/to=2026-01-01/);
  const url = new URL(page.url());
  expect(new Date(url.searchParams.get("from")!).getTime()).toBe(new Date("2026-01-01T10:00").getTime());
  expect(new Date(url.searchParams.get("to")!).getTime()).toBe(new Date("2026-01-01T11:00").getTime());
  await expect(page.getByText("No service handled requests in this time range")).toBeVisible();

  const html = page.locator("html");
  const theme = page.getByRole("button", { name: /^Theme:/ });
  await theme.click(); // system → light
  await expect(html).not.toHaveClass(/dark/);
  await theme.click(); // light → dark
  await expect(html).toHaveClass(/dark/);
  await page.reload();
  await expect(html).toHaveClass(/dark/);
  await page.getByRole("button", { name: "Theme: dark" }).click(); // back to following the system
});
