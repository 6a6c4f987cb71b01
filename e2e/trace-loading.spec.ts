import { expect, test } from "@playwright/test";
import { signInAsOwner } from "./browser/session";
import { randomTraceId, sendSpans, traceBatches } from "./browser/traces";

// A long trace opens at once with its top (the earliest 500 spans, which come with the page), says how much has
// come while the rest follows page by page (here 5,000 spans a page instead of 50,000, so that a trace of 12,500
// spans takes three), and is whole once the last page has come.

const SPANS = 12_500;
const traceId = randomTraceId();

test.beforeAll(async () => {
  for (const batch of traceBatches(SPANS, { startMs: Date.now() - 6 * 60_000, traceId, batch: 2500 }))
    await sendSpans(process.env.TRACEDECK_E2E_URL!, process.env.TRACEDECK_E2E_KEY!, batch);
});

test.beforeEach(async ({ page }) => {
  await signInAsOwner(page.request);
});

test("a long trace shows its top first, its progress while the rest loads, and every span at the end", async ({
  page,
}) => {
  // the pages after the top wait until the test lets each through
  const releases: (() => void)[] = [];
  const pageRequests: string[] = [];
  await page.route(/\/api\/v1\/traces\/[0-9a-f]{32}\/outline\?.*order=span_id/, async (route) => {
    const url = `${route.request().url()}&limit=5000`;
    pageRequests.push(url);
    await new Promise<void>((resolve) => releases.push(resolve));
    await route.continue({ url });
  });
  const releaseNext = async () => {
    await expect.poll(() => releases.length).toBeGreaterThan(0);
    releases.shift()!();
  };

  await page.goto(`/traces/${traceId}`);
  const waterfall = page.getByRole("tree");
  await expect(waterfall.getByRole("treeitem").first()).toContainText("POST /batch/import");
  await expect(page.getByTestId("span-count")).toHaveText("12500");
  // the trace's logs say they are loading too: the progress is the status about spans
  const progress = page.getByRole("status").filter({ hasText: "Loading spans" });
  await expect(progress).toHaveText("Loading spans: 500 of 12,500");
  await expect(page.getByTestId("trace-page")).toHaveAttribute("data-complete", "false");
  // the top is usable meanwhile: a span of it opens
  await waterfall.getByRole("treeitem").nth(1).click();
  await expect(page.getByRole("complementary", { name: "Span detail" })).toBeVisible();

  // a page has come: the progress says so
  await releaseNext();
  await expect(progress).toContainText(/Loading spans: 5,\d{3} of 12,500/);
  await releaseNext();
  await releaseNext();
  await expect(page.getByTestId("trace-page")).toHaveAttribute("data-complete", "true", { timeout: 30_000 });
  await expect(page.getByTestId("trace-page")).toHaveAttribute("data-spans-shown", String(SPANS));
  await expect(progress).toHaveCount(0);
  // three pages by span id: 5,000, 5,000 and 2,500
  expect(pageRequests).toHaveLength(3);
  // a span of the last page is there: the search finds it
  await page.getByRole("searchbox", { name: "Search in this trace" }).fill(`step ${SPANS - 1}`);
  await page.getByRole("searchbox", { name: "Search in this trace" }).press("Enter");
  await expect(
    page.getByRole("complementary", { name: "Span detail" }).getByRole("heading", { name: `step ${SPANS - 1}` }),
  ).toBeVisible();
});
