import { expect, test } from "@playwright/test";
import { freshProject, post } from "./browser/ingest";
import { signInAsOwner } from "./browser/session";
import { randomTraceId } from "./browser/traces";

// A latency histogram sent over OTLP with exemplars: the explorer draws them over the percentiles, and one opens
// the trace it names.

test("exemplars are drawn on a metric's chart and open their trace", async ({ page }) => {
  await signInAsOwner(page.request);
  const slug = `exemplars-${Date.now().toString(36)}`;
  const key = await freshProject(page.request, slug);
  const traceId = randomTraceId();
  const now = Date.now();
  const nanos = (msBefore: number) => String(BigInt(now - msBefore) * 1_000_000n);
  await post(
    page.request,
    "/api/v1/spans",
    {
      spans: [
        {
          trace_id: traceId,
          span_id: "00f067aa0ba902b7",
          name: "GET /slow",
          service_name: "api",
          kind: "server",
          start_time: (now - 120_000) / 1000,
          duration_ms: 2400,
        },
      ],
    },
    key,
  );
  const otlp = await page.request.post("/v1/metrics", {
    headers: { authorization: `Bearer ${key}` },
    data: {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "api" } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "http.server.request.duration",
                  unit: "s",
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [60, 120, 180].map((ago) => ({
                      startTimeUnixNano: nanos(ago * 1000 + 60_000),
                      timeUnixNano: nanos(ago * 1000),
                      count: "10",
                      sum: 4.2,
                      explicitBounds: [0.1, 0.5, 1, 5],
                      bucketCounts: ["6", "2", "1", "1", "0"],
                      exemplars:
                        ago === 120
                          ? [{ timeUnixNano: nanos(120_000), asDouble: 2.4, traceId, spanId: "00f067aa0ba902b7" }]
                          : [],
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

  await page.goto(`/explore?project=${slug}&from=now-15m&metric=http.server.request.duration&agg=p95`);
  const chart = page.getByRole("figure", { name: "http.server.request.duration over time" });
  const mark = chart.locator(".recharts-scatter-symbol");
  await expect(mark).toHaveCount(1);
  await expect(page.getByText("an exemplar: single measurements that name their trace")).toBeVisible();
  // counts are not measurements: no exemplar is drawn over a rate
  await page.goto(`/explore?project=${slug}&from=now-15m&metric=http.server.request.duration&agg=rate`);
  await expect(chart.locator(".recharts-surface")).toBeVisible();
  await expect(mark).toHaveCount(0);
  // a click elsewhere on the chart opens the traces of that moment, slowest first
  const surface = (await chart.locator(".recharts-surface").boundingBox())!;
  await page.mouse.move(surface.x + surface.width * 0.5, surface.y + surface.height / 2);
  await page.mouse.click(surface.x + surface.width * 0.5, surface.y + surface.height / 2);
  await expect(page).toHaveURL(/\/traces\?/);
  const bucket = new URL(page.url()).searchParams;
  expect(bucket.get("sort")).toBe("slowest");
  expect(Number(bucket.get("to")) - Number(bucket.get("from"))).toBeGreaterThan(0);

  await page.goto(`/explore?project=${slug}&from=now-15m&metric=http.server.request.duration&agg=p95`);
  await expect(async () => {
    await mark.first().click();
    await expect(page).toHaveURL(new RegExp(`/traces/${traceId}`), { timeout: 10_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByRole("heading", { name: "api: GET /slow" })).toBeVisible();
});
