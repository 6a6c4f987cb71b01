import { expect, test, type Page } from "@playwright/test";
import { freshProject, post } from "./browser/ingest";
import { sameOrigin, signInAsOwner } from "./browser/session";
import { randomTraceId } from "./browser/traces";

// Events, Network, Metrics, Logs and Publishers on a project of their own, so every figure on
// these pages comes from what this file sends.

const run = Date.now().toString(36);
const slug = `pipeline-${run}`;
const empty = `quiet-${run}`;
const linkedTrace = randomTraceId();
let key = "";

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const at = (page: Page, path: string, extra = "") => page.goto(`${path}?project=${slug}&from=now-30m${extra}`);

test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: process.env.TRACEDECK_E2E_URL });
  await signInAsOwner(request);
  key = await freshProject(request, slug);
  await freshProject(request, empty);
  const events = [
    {
      event_name: "resize",
      task_id: `resize-ok-${run}`,
      start_time: iso(600_000),
      end_time: iso(599_500),
      status: "completed",
    },
    {
      event_name: "resize",
      task_id: `resize-slow-${run}`,
      start_time: iso(500_000),
      end_time: iso(497_000),
      status: "completed",
      retry_count: 1,
    },
    {
      event_name: "resize",
      task_id: `resize-failed-${run}`,
      start_time: iso(400_000),
      end_time: iso(398_000),
      status: "failed",
      error: "disk full on /var/tmp",
      retry_count: 3,
      process_id: 4242,
      attributes: { trace_id: linkedTrace, "image.id": "img-7" },
    },
    {
      event_name: "email.send",
      task_id: `email-failed-${run}`,
      start_time: iso(300_000),
      end_time: iso(299_000),
      status: "failed",
      error: "ECONNREFUSED smtp:587",
      retry_count: 2,
    },
    { event_name: "email.send", task_id: `email-waiting-${run}`, start_time: iso(240_000), status: "pending" },
  ];
  await post(request, "/api/v1/pipeline/events", { events }, key);
  await post(
    request,
    "/api/v1/pipeline/network",
    {
      operations: [
        {
          task_id: `resize-failed-${run}`,
          host: "s3.example.com",
          port: 443,
          operation: "PUT object",
          start_time: iso(400_000),
          end_time: iso(399_900),
          bytes_sent: 2_000_000,
          bytes_received: 300,
        },
        {
          task_id: `email-failed-${run}`,
          host: "smtp.example.com",
          port: 587,
          operation: "SMTP connect",
          start_time: iso(300_000),
          end_time: iso(297_000),
          bytes_sent: 40,
          error: "connection refused",
        },
        {
          task_id: `email-failed-${run}`,
          host: "smtp.example.com",
          port: 587,
          operation: "SMTP connect",
          start_time: iso(200_000),
          end_time: iso(199_500),
          bytes_sent: 40,
        },
      ],
    },
    key,
  );
  await post(
    request,
    "/api/v1/spans",
    {
      spans: [
        {
          trace_id: linkedTrace,
          name: "resize image",
          service_name: "worker",
          kind: "consumer",
          start_time: iso(400_000),
          duration_ms: 2000,
          status: "error",
        },
      ],
    },
    key,
  );
  await post(
    request,
    "/api/v1/logs",
    {
      logs: [
        {
          message: "resize failed: disk full",
          severity: "error",
          service_name: "worker",
          trace_id: linkedTrace,
          timestamp: iso(398_500),
          attributes: { "image.id": "img-7" },
        },
        {
          message: "resize started",
          severity: "info",
          service_name: "worker",
          trace_id: linkedTrace,
          timestamp: iso(399_900),
        },
        { message: "email queued", severity: "debug", service_name: "mailer", timestamp: iso(250_000) },
      ],
    },
    key,
  );
  await post(
    request,
    "/api/v1/metrics",
    {
      metrics: [20, 35, 50].map((value, i) => ({
        name: "queue.depth",
        value,
        metric_type: "gauge",
        tags: { queue: i % 2 ? "emails" : "images" },
        timestamp: iso(300_000 - i * 60_000),
      })),
    },
    key,
  );
  const now = BigInt(Date.now()) * 1_000_000n;
  const otlp = await request.post("/v1/metrics", {
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    data: {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "worker" } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "task.duration",
                  unit: "s",
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [2, 1].map((minutesAgo) => ({
                      startTimeUnixNano: String(now - BigInt(minutesAgo + 1) * 60_000_000_000n),
                      timeUnixNano: String(now - BigInt(minutesAgo) * 60_000_000_000n),
                      count: "10",
                      sum: 12,
                      explicitBounds: [0.5, 1, 5],
                      bucketCounts: ["2", "3", "4", "1"],
                    })),
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  });
  expect(otlp.status(), await otlp.text()).toBe(200);
  // an SDK's Prometheus publisher that started failing
  await post(
    request,
    "/api/v1/publishers/status",
    {
      publishers: [
        {
          name: `sdk-prom-${run}`,
          type: "prometheus",
          target: "localhost:9464",
          state: "healthy",
          sent_count: 100,
          failed_count: 0,
        },
      ],
    },
    key,
  );
  await post(
    request,
    "/api/v1/publishers/status",
    {
      publishers: [
        {
          name: `sdk-prom-${run}`,
          type: "prometheus",
          target: "localhost:9464",
          state: "failing",
          sent_count: 130,
          failed_count: 12,
          backlog: 40,
          last_error: "scrape refused",
          last_error_at: iso(1000),
        },
      ],
    },
    key,
  );
  await request.dispose();
});

test.beforeEach(async ({ page }) => {
  await signInAsOwner(page.request);
});

test("events: tiles, failed events filtered by name and error, a threshold that changes the slow list, stuck tasks and retries", async ({
  page,
}) => {
  await at(page, "/events");
  const tiles = page.getByLabel("Pipeline summary");
  const tile = (name: string) =>
    tiles
      .locator("div")
      .filter({ has: page.getByText(name, { exact: true }) })
      .locator("dd");
  await expect(tile("Runs")).toHaveText("5");
  await expect(tile("Failed")).toHaveText("2");
  await expect(tile("Failure rate")).toHaveText("50%"); // of the four that finished
  await expect(tile("Retried")).toHaveText("3");
  await expect(tile("Stuck")).toHaveText("1");
  await expect(
    page.getByRole("figure", { name: "Runs and failures over time" }).locator(".recharts-bar-rectangle").first(),
  ).toBeAttached();
  await expect(
    page.getByRole("list", { name: "Runs and failures over time: legend" }).getByRole("listitem"),
  ).toHaveText(["runs", "failed"]);

  const failed = page.getByRole("table", { name: "Failed events" });
  await expect(failed.getByRole("row")).toHaveCount(3);
  await expect(failed.locator(`tr[data-task-id="resize-failed-${run}"]`)).toContainText("disk full on /var/tmp");
  await expect(failed.locator(`tr[data-task-id="resize-failed-${run}"]`)).toContainText("4242");

  // text typed while the form is still being replaced by its client-side render is lost: type it again
  await expect(async () => {
    await page.getByLabel("Error text").fill("econnrefused", { timeout: 2000 });
    await page.getByRole("button", { name: "Apply" }).click({ timeout: 2000 });
    await expect(page).toHaveURL(/error=econnrefused/, { timeout: 2000 });
  }).toPass();
  await expect(failed.getByRole("row")).toHaveCount(2);
  await expect(failed).toContainText(`email-failed-${run}`);
  await page.getByLabel("Error text").fill("");
  await page.getByRole("combobox", { name: "Event name" }).selectOption("resize");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(failed.getByRole("row")).toHaveCount(2);
  await expect(failed).toContainText(`resize-failed-${run}`);

  const slow = page.getByRole("table", { name: "Slow events" });
  await expect(slow.getByRole("row")).toHaveCount(3); // 3 s and 2 s runs of resize, over 1 s
  await page.getByLabel("Slow threshold (s)").fill("2.5");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/threshold=2.5/);
  await expect(slow.getByRole("row")).toHaveCount(2);
  await expect(slow).toContainText(`resize-slow-${run}`);

  await at(page, "/events");
  const pending = page.getByRole("table", { name: "Pending tasks" });
  await expect(pending.locator(`tr[data-task-id="email-waiting-${run}"]`)).toContainText("stuck");
  await at(page, "/events", "&threshold=600");
  await expect(pending.locator(`tr[data-task-id="email-waiting-${run}"]`)).not.toContainText("stuck");

  await expect(
    page.getByRole("figure", { name: "Runs by retry count" }).locator(".recharts-bar-rectangle"),
  ).toHaveCount(4);
  const perName = page.getByRole("table", { name: "Retry statistics per event name" });
  await expect(perName.locator('tr[data-event-name="resize"]')).toContainText("3");
});

test("a task links to its trace, its logs and its network operations", async ({ page }) => {
  await at(page, "/events");
  // a click that lands while the table is still being replaced by its client-side render is lost: click again
  await expect(async () => {
    await page
      .getByRole("table", { name: "Failed events" })
      .getByRole("link", { name: `resize-failed-${run}` })
      .click({ timeout: 2000 });
    await expect(page).toHaveURL(new RegExp(`/events/resize-failed-${run}`), { timeout: 10_000 });
  }).toPass();
  await expect(page.getByRole("heading", { name: new RegExp(`resize-failed-${run}`) })).toBeVisible();
  await expect(page.getByRole("table", { name: "Task attributes" })).toContainText("img-7");
  await expect(page.getByRole("table", { name: "Task network operations" })).toContainText("s3.example.com:443");

  await page.getByRole("link", { name: "its logs" }).click();
  await expect(page).toHaveURL(new RegExp(`trace_id=${linkedTrace}`));
  const lines = page.getByRole("list", { name: "Log lines" }).getByRole("listitem");
  await expect(lines).toHaveCount(2);
  await lines.filter({ hasText: "resize failed: disk full" }).getByRole("button").click();
  await expect(page.getByRole("table", { name: "Log attributes" })).toContainText("img-7");
  await page.getByRole("link", { name: linkedTrace }).click();
  await expect(page.getByRole("heading", { name: "worker: resize image" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Logs of this trace" }).getByRole("listitem")).toHaveCount(2);
});

test("logs: search by text and severity, newest first", async ({ page }) => {
  await at(page, "/logs");
  const lines = page.getByRole("list", { name: "Log lines" }).getByRole("listitem");
  await expect(lines).toHaveCount(3);
  await expect(lines.first()).toContainText("email queued");
  // a choice made while the form is still being replaced by its client-side render is lost: choose again
  await expect(async () => {
    await page.getByLabel("Severity at least").selectOption("info", { timeout: 2000 });
    await page.getByRole("button", { name: "Search" }).click({ timeout: 2000 });
    await expect(page).toHaveURL(/severity=info/, { timeout: 2000 });
  }).toPass();
  await expect(lines).toHaveCount(2);
  await page.getByLabel("Text").fill("DISK");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(lines).toHaveCount(1);
  await expect(lines.first()).toContainText("ERROR");
});

test("logs load older pages as the list scrolls to its end", async ({ page }) => {
  const busy = `busy-${run}`;
  const busyKey = await freshProject(page.request, busy);
  const logs = Array.from({ length: 230 }, (_, i) => ({
    message: `line ${i}`,
    severity: "info",
    service_name: "chatty",
    timestamp: iso(10_000 + i * 1000),
  }));
  await post(page.request, "/api/v1/logs", { logs }, busyKey);
  await page.goto(`/logs?project=${busy}`);
  const lines = page.getByRole("list", { name: "Log lines" }).getByRole("listitem");
  await expect(lines).toHaveCount(100);
  await lines.last().scrollIntoViewIfNeeded();
  await expect(lines).toHaveCount(200);
  await lines.last().scrollIntoViewIfNeeded();
  await expect(lines).toHaveCount(230);
  await expect(page.getByText("230 log lines; the end of the range.")).toBeVisible();
  await expect(lines.last()).toContainText("line 229");
});

test("a task or service whose name needs escaping opens its own page", async ({ page }) => {
  const odd = `odd-${run}`;
  const oddKey = await freshProject(page.request, odd);
  const taskId = `batch/7 #a%b ${run}`;
  await post(
    page.request,
    "/api/v1/pipeline/events",
    {
      events: [
        {
          event_name: "import",
          task_id: taskId,
          start_time: iso(5000),
          end_time: iso(4000),
          status: "failed",
          error: "bad row",
        },
      ],
    },
    oddKey,
  );
  await post(
    page.request,
    "/api/v1/spans",
    {
      spans: [
        { name: "GET /a b", service_name: "shop api/v2 %", kind: "server", start_time: iso(5000), duration_ms: 4 },
      ],
    },
    oddKey,
  );
  await page.goto(`/events?project=${odd}`);
  await page.getByRole("link", { name: taskId }).first().click();
  await expect(
    page.getByRole("heading", { name: new RegExp(taskId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) }),
  ).toBeVisible();
  await page.goto(`/?project=${odd}`);
  await page.getByRole("link", { name: "shop api/v2 %" }).click();
  await expect(page.getByRole("heading", { name: "shop api/v2 %", exact: true })).toBeVisible();
  await expect(page.getByRole("table", { name: "Operations" })).toContainText("GET /a b");
  const broken = await page.request.get("/events/%zz");
  expect(broken.status()).toBe(400);
});

test("network: hosts with errors and bytes, failed operations, and a threshold that changes the slow list", async ({
  page,
}) => {
  await at(page, "/network");
  const hosts = page.getByRole("table", { name: "Hosts" });
  await expect(hosts.locator('tr[data-host="smtp.example.com:587"] [data-column="errors"]')).toHaveText("1 (50%)");
  await expect(hosts.locator('tr[data-host="s3.example.com:443"]')).toContainText("1.91 MiB");
  await expect(page.getByRole("figure", { name: "Latency per host" }).locator(".recharts-line")).toHaveCount(2);
  // each chart names its series, every host in a colour of its own
  for (const chart of ["Latency per host", "Bytes sent per host", "Bytes received per host"]) {
    const legend = page.getByRole("list", { name: `${chart}: legend` }).getByRole("listitem");
    await expect(legend).toHaveCount(2);
    await expect(legend.filter({ hasText: "smtp.example.com:587" })).toHaveCount(1);
  }
  const strokes = await page
    .getByRole("figure", { name: "Latency per host" })
    .locator(".recharts-line path.recharts-curve")
    .evaluateAll((paths) => paths.map((path) => path.getAttribute("stroke")));
  expect(new Set(strokes).size).toBe(2);
  await expect(page.getByRole("table", { name: "Failed operations" }).getByRole("row")).toHaveCount(2);
  await expect(page.getByRole("table", { name: "Slow operations" }).getByRole("row")).toHaveCount(2); // the 3 s connect
  await page.getByLabel("Slow threshold (s)").fill("0.2");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("table", { name: "Slow operations" }).getByRole("row")).toHaveCount(3);
  await page.getByRole("combobox", { name: "Host" }).selectOption("smtp.example.com");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("figure", { name: "Latency per host" }).locator(".recharts-line")).toHaveCount(1);
});

test("metrics explorer: find a metric, group it, toggle series, see a histogram as percentiles, copy the query", async ({
  page,
}) => {
  await at(page, "/explore");
  await page.getByLabel("Find a metric").fill("queue");
  const list = page.getByRole("complementary", { name: "Metrics" });
  await expect(list.getByRole("button")).toHaveCount(1);
  await list.getByRole("button", { name: /queue\.depth/ }).click();
  await expect(page).toHaveURL(/metric=queue\.depth/);
  const chart = page.getByRole("figure", { name: "queue.depth over time" });
  await expect(chart.locator(".recharts-line")).toHaveCount(1);

  await page.getByLabel("Group by").selectOption("queue");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page).toHaveURL(/group_by=queue/);
  await expect(chart.locator(".recharts-line")).toHaveCount(2);
  const legend = page.getByRole("list", { name: "Series" });
  await legend.getByRole("button", { name: "queue=emails" }).click();
  await expect(legend.getByRole("button", { name: "queue=emails" })).toHaveAttribute("aria-pressed", "false");
  await expect(chart.locator(".recharts-line")).toHaveCount(1);
  const link = page.getByTestId("query-link").first();
  expect(await link.getAttribute("href")).toContain("group_by=queue");

  await page.getByLabel("Find a metric").fill("");
  await list.getByRole("button", { name: /task\.duration/ }).click();
  await expect(page.getByLabel("Aggregation")).toHaveValue("percentiles");
  await expect(page.getByRole("figure", { name: "task.duration over time" }).locator(".recharts-line")).toHaveCount(3);
  await expect(legend.getByRole("button")).toHaveText(["p50", "p95", "p99"]);
});

test("publishers: an SDK publisher failing, and a server-side one added, edited without showing its key, and disabled", async ({
  page,
}) => {
  await at(page, "/publishers");
  const sdk = page.locator(`li[data-publisher="sdk-prom-${run}"]`);
  await expect(sdk.getByTestId("publisher-state")).toHaveText("failing");
  await expect(sdk).toContainText("scrape refused");
  await expect(sdk).toContainText("130 / 12");
  await expect(sdk.getByRole("figure", { name: `sdk-prom-${run} sends and failures` })).toBeVisible();

  await page.getByRole("button", { name: "Add a publisher" }).click();
  const form = page.getByRole("form", { name: "New publisher" });
  await form.getByLabel("Name").fill(`es-${run}`);
  await form.getByLabel("Type").selectOption("elasticsearch");
  await form
    .getByLabel("Configuration (JSON)")
    .fill('{"url": "http://es.internal:9200", "api_key": "very-secret-key"}');
  await form.getByRole("button", { name: "Add" }).click();
  const es = page.locator(`li[data-publisher="es-${run}"]`);
  // running, with nothing to send yet: said so, not called healthy
  await expect(es.getByTestId("publisher-state")).toHaveText("nothing sent yet");
  await expect(es).toContainText("http://es.internal:9200");
  await es.getByRole("button", { name: "Edit" }).click();
  const config = es.getByRole("form", { name: "Edit publisher" }).getByLabel("Configuration (JSON)");
  await expect(config).toHaveValue(/"api_key": "••••••"/);
  expect(await page.content()).not.toContain("very-secret-key");
  await config.fill('{"url": "http://es2.internal:9200", "api_key": "••••••"}');
  await es.getByRole("button", { name: "Save" }).click();
  await expect(es).toContainText("http://es2.internal:9200");
  await es.getByRole("button", { name: "Disable" }).click();
  await expect(es.getByTestId("publisher-state")).toHaveText("disabled");
  await es.getByRole("button", { name: "Enable" }).click();
  await expect(es.getByTestId("publisher-state")).toHaveText("nothing sent yet");

  // the admin API refuses a session's change from another site
  const foreign = await page.request.post(`/api/v1/publishers?project=${slug}`, {
    headers: { origin: "https://evil.example" },
    data: { name: "x", type: "other" },
  });
  expect(foreign.status()).toBe(403);
  const invalid = await page.request.post(`/api/v1/publishers?project=${slug}`, {
    headers: sameOrigin(process.env.TRACEDECK_E2E_URL),
    data: { name: `bad-${run}`, type: "carrier-pigeon" },
  });
  expect(invalid.status()).toBe(400);
});

test("each section of an empty project says there is nothing yet and what to do", async ({ page }) => {
  const expectations: [string, string][] = [
    ["/events", "No task ran in this time range"],
    ["/network", "No network operation in this time range"],
    ["/logs", "No log matches in this time range"],
    ["/explore", "This project has no metrics yet"],
    ["/publishers", "No publisher yet"],
    ["/traces", "No trace matches these filters in this time range"],
  ];
  for (const [path, text] of expectations) {
    await page.goto(`${path}?project=${empty}`);
    await expect(page.getByText(text), path).toBeVisible();
  }
});
