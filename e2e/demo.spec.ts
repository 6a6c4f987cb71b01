import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { freshProject } from "./browser/ingest";
import { signInAsOwner } from "./browser/session";

// What a newcomer does: run the demo, find a slow trace, open its waterfall, read a span's attributes.

const run = promisify(execFile);

test("the demo fills a project; a slow trace is found, opened, and its spans read", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAsOwner(page.request);
  const slug = `demo-${Date.now().toString(36)}`;
  const key = await freshProject(page.request, slug);
  const { stdout } = await run(
    process.execPath,
    [
      // as `npm run demo` runs it: the CLI reads the server's config, which is marked server-only
      "--conditions=react-server",
      "--import",
      "tsx",
      "scripts/demo/index.ts",
      "--url",
      process.env.TRACEDECK_E2E_URL!,
      "--key",
      key,
      "--backfill",
      "10",
      "--minutes",
      "0",
      "--seed",
      "42",
    ],
    {
      timeout: 150_000,
    },
  );
  expect(stdout).toMatch(/traces\s+[\d,]+ \([\d,]+ spans\)/);

  await page.goto(`/?project=${slug}&from=now-15m`);
  const services = page.getByRole("table", { name: "Services" });
  for (const service of ["frontend", "api", "worker"])
    await expect(services.locator(`tr[data-service="${service}"]`)).toBeVisible();

  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Traces" }).click();
  // the search has applied once the URL says so; until then the list still shows the unfiltered traces (a value
  // typed before the page has hydrated is lost: type it again until the search takes it)
  await expect(async () => {
    await page.getByLabel("Min duration (ms)").fill("1000");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/min_duration_ms=1000/, { timeout: 2000 });
  }).toPass();
  const slow = page.getByRole("list", { name: "Trace results" }).getByRole("listitem");
  await expect(slow.first()).toBeVisible();
  // the list has swapped the unfiltered results for the slow ones once no trace under a second is left in it
  await expect(slow.getByText(/^\d+(\.\d+)? (µs|ms)$/)).toHaveCount(0);
  // the trace's page is rendered with its top before the URL changes, which takes a while on a loaded machine:
  // wait for it rather than clicking again (each click starts the navigation over)
  await expect(async () => {
    await slow.first().getByRole("link").click();
    await expect(page).toHaveURL(/\/traces\/[0-9a-f]{32}/, { timeout: 20_000 });
  }).toPass({ timeout: 90_000 });

  const rows = page.getByRole("tree", { name: "Spans" }).getByRole("treeitem");
  await expect(rows.first()).toBeVisible();
  const detail = page.getByRole("complementary", { name: "Span detail" });
  // a click that lands before the page has hydrated is lost: click again until the detail opens
  await expect(async () => {
    await rows.nth(1).click();
    await expect(detail).toBeVisible({ timeout: 1000 });
  }).toPass();
  await expect(detail.getByRole("table", { name: "Span attributes" }).getByRole("row").first()).toBeVisible();
  await expect(detail.getByRole("table", { name: "Resource attributes" })).toContainText("service.name");

  for (const [section, heading] of [
    ["Events", "Events"],
    ["Network", "Network"],
    ["Logs", "Logs"],
  ] as const) {
    await expect(async () => {
      await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: section }).click();
      await expect(page).toHaveURL(new RegExp(`/${section.toLowerCase()}\\?`), { timeout: 10_000 });
    }).toPass();
    await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
    await expect(page.getByText(/^No .* in this time range$/)).toHaveCount(0);
  }
});
