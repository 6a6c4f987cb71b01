import { expect, test } from "@playwright/test";
import { freshProject, post } from "./browser/ingest";
import { signInAsOwner } from "./browser/session";
import { randomTraceId } from "./browser/traces";

// The service map of a small system: frontend calls api; api calls payments (a quarter of those calls fail) and
// stock; a worker consumes what api publishes.

const REQUESTS = 20;
const hex16 = (n: number) => n.toString(16).padStart(16, "0");

test("the service map draws who calls whom, marks the failing call, and opens a service or a call's traces", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signInAsOwner(page.request);
  const slug = `map-${Date.now().toString(36)}`;
  const key = await freshProject(page.request, slug);
  const spans = [];
  const now = Date.now();
  for (let i = 0; i < REQUESTS; i++) {
    const trace = randomTraceId();
    const t = (now - 10 * 60_000 + i * 20_000) / 1000;
    const id = (n: number) => hex16(i * 16 + n);
    const span = (n: number, parent: number | null, service: string, name: string, kind: string, ms: number) => ({
      trace_id: trace,
      span_id: id(n),
      parent_span_id: parent === null ? null : id(parent),
      name,
      service_name: service,
      kind,
      start_time: t + n / 1000,
      duration_ms: ms,
      status: service === "payments" && i % 4 === 0 ? "error" : "ok",
    });
    spans.push(
      span(1, null, "frontend", "GET /checkout", "server", 120),
      span(2, 1, "frontend", "POST /api/orders", "client", 100),
      span(3, 2, "api", "POST /orders", "server", 90),
      span(4, 3, "api", "charge", "client", 40),
      span(5, 4, "payments", "POST /charge", "server", 35),
      span(6, 3, "stock", "reserve", "server", 10),
      span(7, 3, "api", "publish order", "producer", 2),
      span(8, 7, "worker", "process order", "consumer", 50),
    );
  }
  await post(page.request, "/api/v1/spans", { spans }, key);

  await page.goto(`/map?project=${slug}&from=now-30m`);
  const map = page.getByRole("figure", { name: "Service map" });
  for (const service of ["frontend", "api", "payments", "stock", "worker"])
    await expect(map.locator(`[data-node="${service}"]`)).toBeVisible();
  const calls = page.getByRole("table", { name: "Calls" });
  await expect(calls.getByRole("row")).toHaveCount(5); // a header and four calls
  for (const call of ["frontend->api", "api->payments", "api->stock", "api->worker"])
    await expect(map.locator(`[data-edge="${call}"]`)).toHaveCount(1);
  // a quarter of api's calls to payments failed: that line is red, the others are not
  await expect(map.locator('[data-edge="api->payments"]')).toHaveAttribute("data-tone", "failing");
  await expect(map.locator('[data-edge="api->stock"]')).toHaveAttribute("data-tone", "ok");
  await expect(calls.locator('tr[data-call="api->payments"] [data-column="error-rate"]')).toHaveText("25%");
  await expect(calls.locator('tr[data-call="frontend->api"]')).toContainText(String(REQUESTS));

  // a call opens the traces that went through both of its services
  // (by its label: the middle of the line's box may lie under a service's box)
  await expect(async () => {
    if (!page.url().includes("/traces?")) await map.locator('[data-edge="api->payments"] text').click();
    await expect(page).toHaveURL(/\/traces\?/, { timeout: 15_000 });
  }).toPass({ timeout: 60_000 });
  expect(new URL(page.url()).searchParams.getAll("service")).toEqual(["payments", "api"]);
  await expect(page.getByRole("list", { name: "Also with service" })).toContainText("and api");
  await expect(page.getByRole("list", { name: "Trace results" }).getByRole("listitem")).toHaveCount(REQUESTS);

  // a service opens its page; the nav leads back to the map with the same range
  // (a click that lands while the page hydrates is lost, and a loaded machine renders slowly: click until it opens)
  await expect(async () => {
    if (!page.url().includes("/map?"))
      await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Map" }).click();
    await expect(page).toHaveURL(/\/map\?/, { timeout: 15_000 });
  }).toPass({ timeout: 60_000 });
  await expect(async () => {
    if (!page.url().includes("/services/"))
      await page.getByRole("figure", { name: "Service map" }).locator('[data-node="payments"]').click();
    await expect(page).toHaveURL(new RegExp(`/services/payments\\?project=${slug}&from=now-30m$`), {
      timeout: 15_000,
    });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByRole("heading", { name: "payments" })).toBeVisible();

  // an empty project says so
  const empty = `map-empty-${Date.now().toString(36)}`;
  await freshProject(page.request, empty);
  await page.goto(`/map?project=${empty}`);
  await expect(page.getByText("No services in this time range")).toBeVisible();
});
