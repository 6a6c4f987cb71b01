import { expect, test } from "@playwright/test";
import { freshProject } from "./browser/ingest";
import { signInAsOwner } from "./browser/session";

// A saved view brings back a page with its filters and time range, in its project; it is renamed and deleted.

test("a page saved as a view is restored with its filters and time range, renamed, and deleted", async ({ page }) => {
  await signInAsOwner(page.request);
  const slug = `views-${Date.now().toString(36)}`;
  await freshProject(page.request, slug);
  await page.goto(`/traces?project=${slug}&from=now-6h&status=error&min_duration_ms=250`);
  const toggle = page.getByRole("button", { name: "Views" });
  const panel = page.getByRole("dialog", { name: "Saved views" });
  // a click before the page has hydrated is lost: click again until the panel opens
  await expect(async () => {
    await toggle.click();
    await expect(panel).toBeVisible({ timeout: 1000 });
  }).toPass();
  await expect(panel).toContainText("No saved views in this project yet.");
  await panel.getByLabel("View name").fill("Failing slow");
  await panel.getByRole("button", { name: "Save" }).click();
  const views = panel.getByRole("list", { name: "Views of this project" }).getByRole("listitem");
  await expect(views).toHaveCount(1);
  await expect(views.first()).toContainText("Failing slow");

  // elsewhere, the view brings the page back as it was
  await page.goto(`/network?project=${slug}`);
  await expect(async () => {
    await toggle.click();
    await expect(panel).toBeVisible({ timeout: 1000 });
  }).toPass();
  await panel.getByRole("link", { name: "Failing slow" }).click();
  await expect(page).toHaveURL(/\/traces\?/);
  const url = new URL(page.url());
  expect(Object.fromEntries(url.searchParams)).toEqual({
    project: slug,
    from: "now-6h",
    status: "error",
    min_duration_ms: "250",
  });
  await expect(page.getByLabel("Status")).toHaveValue("error");
  await expect(page.getByLabel("Min duration (ms)")).toHaveValue("250");
  await expect(page.getByRole("button", { name: "Time range" })).toHaveText("Last 6 hours");

  // renamed, then a second view saved under the same name is refused with the reason
  await toggle.click();
  await panel.getByRole("button", { name: "Rename Failing slow" }).click();
  await panel.getByLabel("New name").fill("Slow failures");
  await panel.getByRole("button", { name: "Rename", exact: true }).click();
  await expect(views.first()).toContainText("Slow failures");
  await panel.getByLabel("View name").fill("Slow failures");
  await panel.getByRole("button", { name: "Save" }).click();
  await expect(panel.getByRole("alert")).toContainText('a view named "Slow failures" exists already in this project');

  // another project has views of its own
  const api = await page.request.get(`/api/v1/views?project=default`);
  expect(((await api.json()) as { views: { name: string }[] }).views.map((v) => v.name)).not.toContain("Slow failures");

  await panel.getByRole("button", { name: "Delete Slow failures" }).click();
  await expect(panel).toContainText("No saved views in this project yet.");
});
