import { expect, test } from "@playwright/test";
import { post } from "./browser/ingest";
import { sameOrigin, signIn, signInAsOwner } from "./browser/session";
import { largeTrace } from "./browser/traces";

const SIGNALS = ["traces", "logs", "events", "metrics", "pipeline", "rollups"];
const DISK = /^\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)$/;

test("storage: an admin sees each signal's days and disk, changes the days of traces, and a refused value says why", async ({
  page,
  baseURL,
}) => {
  // a hydration mismatch makes React re-render the whole document
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signInAsOwner(page.request);
  // a trace of today, so that traces have a disk figure and an oldest day whatever ran before
  await post(page.request, "/api/v1/spans", { spans: largeTrace(3) });
  const before = (await (await page.request.get("/api/v1/retention")).json()) as { traces: { days: number } };
  const restore = () =>
    page.request.patch("/api/v1/retention", { headers: sameOrigin(baseURL), data: { traces: before.traces.days } });

  try {
    await page.goto("/settings");
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Storage" }).click();
    await expect(page).toHaveURL(/\/settings\/storage(\?|$)/);
    await expect(page.getByRole("heading", { name: "Storage" })).toBeVisible();
    await expect(page.getByText("older days are dropped whole within minutes")).toBeVisible();

    const table = page.getByRole("table", { name: "Storage by signal" });
    for (const signal of SIGNALS) {
      const row = table.locator(`tr[data-signal="${signal}"]`);
      await expect(row.getByRole("spinbutton", { name: `Days of ${signal} kept` })).toHaveValue(/^\d+$/);
      await expect(row.locator('[data-column="disk"]')).toHaveText(DISK);
    }
    const traces = table.locator('tr[data-signal="traces"]');
    await expect(traces).toContainText("spans, traces");
    await expect(traces.locator('[data-column="oldest-day"]')).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
    await expect(traces.locator('[data-column="disk"]')).not.toHaveText("0 B");
    await expect(table.locator('[data-column="total-disk"]')).toHaveText(DISK);

    const form = page.getByRole("form", { name: "Retention" });
    const days = traces.getByRole("spinbutton", { name: "Days of traces kept" });
    const save = form.getByRole("button", { name: "Save" });
    await expect(save).toBeDisabled();
    await days.fill("3");
    await save.click();
    await expect(form.getByRole("status")).toHaveText("Saved.");
    await expect(days).toHaveValue("3");
    await expect(traces.locator('[data-column="source"]')).toHaveText("saved setting");

    await page.reload();
    await expect(days).toHaveValue("3");
    await expect(traces.locator('[data-column="source"]')).toHaveText("saved setting");

    await days.fill("0");
    await save.click();
    await expect(form.getByRole("alert")).toContainText("Could not save the retention: traces");
    await expect(form.getByRole("alert")).toContainText("HTTP 400");
    await page.reload();
    await expect(days).toHaveValue("3");

    await days.fill(String(before.traces.days));
    await save.click();
    await expect(form.getByRole("status")).toHaveText("Saved.");
    await page.reload();
    await expect(days).toHaveValue(String(before.traces.days));
    expect(pageErrors).toEqual([]);
  } finally {
    // the other browser tests ingest data of today with the retention they started with
    expect((await restore()).status()).toBe(200);
  }
});

test("storage: a viewer is told that only admins see storage settings", async ({ page, browser, baseURL }) => {
  await signInAsOwner(page.request);
  const viewer = { email: `storage-viewer-${Date.now()}@shop.test`, password: "viewer password 123" };
  const invited = await page.request.post("/api/v1/users", {
    headers: sameOrigin(baseURL),
    data: { ...viewer, role: "viewer" },
  });
  expect(invited.status()).toBe(201);
  const { id } = (await invited.json()) as { id: string };

  const viewerContext = await browser.newContext({ baseURL });
  try {
    const viewerPage = await viewerContext.newPage();
    await signIn(viewerPage.request, viewer);
    await viewerPage.goto("/settings/storage");
    await expect(viewerPage.getByText("Only admins see storage settings")).toBeVisible();
    await expect(viewerPage.getByRole("table", { name: "Storage by signal" })).toHaveCount(0);
    expect((await viewerPage.request.get("/api/v1/retention")).status()).toBe(403);
  } finally {
    await viewerContext.close();
    await page.request.delete(`/api/v1/users/${id}`, { headers: sameOrigin(baseURL) });
  }
});
