import { expect, test } from "@playwright/test";
import { OWNER, sameOrigin, signIn, signInAsOwner } from "./browser/session";

test("projects: a bad slug is refused with the API's reason; a new project is renamed and switched to", async ({
  page,
}) => {
  // a hydration mismatch makes React re-render the whole document, losing the page's theme
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signInAsOwner(page.request);
  const slug = `shop-${Date.now()}`;
  await page.goto("/settings");

  const newProject = page.getByRole("region", { name: "New project" });
  const form = newProject.getByRole("form", { name: "New project" });
  await form.getByLabel("Slug").fill("Shop Prod");
  await form.getByLabel("Name").fill("Shop");
  await form.getByRole("button", { name: "Create project" }).click();
  await expect(newProject.getByRole("alert")).toContainText("lowercase letters, digits and dashes");

  await form.getByLabel("Slug").fill(slug);
  await form.getByRole("button", { name: "Create project" }).click();
  const row = page.getByRole("table", { name: "Projects" }).locator(`tr[data-project="${slug}"]`);
  await expect(row).toContainText("Shop");
  await expect(newProject.getByRole("alert")).toHaveCount(0);

  await row.getByRole("button", { name: "Rename" }).click();
  await row.getByLabel("New name").fill("Shop (production)");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("link", { name: "Shop (production)" })).toBeVisible();

  await page.getByRole("link", { name: `Switch to project ${slug}` }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]project=${slug}(&|$)`));
  const switcher = page.getByRole("combobox", { name: "Project", exact: true });
  await expect(switcher).toHaveValue(slug);
  await expect(switcher.locator("option:checked")).toHaveText("Shop (production)");

  await page.goto(`/settings?project=${slug}`);
  await expect(row).toContainText("current");
  await form.getByLabel("Slug").fill(slug);
  await form.getByLabel("Name").fill("Shop again");
  await form.getByRole("button", { name: "Create project" }).click();
  await expect(newProject.getByRole("alert")).toContainText(`a project "${slug}" exists already`);
  expect(pageErrors).toEqual([]);
});

test("projects: an admin makes a project's /metrics public, and it answers without a key until made private again", async ({
  page,
  playwright,
  baseURL,
}) => {
  await signInAsOwner(page.request);
  const slug = `scraped-${Date.now()}`;
  const created = await page.request.post("/api/v1/projects", {
    headers: sameOrigin(baseURL),
    data: { slug, name: "Scraped" },
  });
  expect(created.status()).toBe(201);
  const anonymous = await playwright.request.newContext({ baseURL });
  const scrape = async () => (await anonymous.get(`/metrics?project=${slug}`)).status();
  expect(await scrape()).toBe(401);

  await page.goto("/settings");
  const row = page.getByRole("table", { name: "Projects" }).locator(`tr[data-project="${slug}"]`);
  const toggle = row.getByRole("checkbox", { name: "Public /metrics" });
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await expect(row).toContainText(`${new URL(baseURL ?? "").origin}/metrics?project=${slug}`);
  await expect(toggle).toBeEnabled();
  expect(await scrape()).toBe(200);

  await page.reload();
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  await expect(row).not.toContainText("/metrics?project=");
  await expect(toggle).toBeEnabled();
  expect(await scrape()).toBe(401);
  await anonymous.dispose();
});

test("API keys: the secret is shown once, the key works and records its use, and stops working when revoked", async ({
  page,
  context,
  request,
  baseURL,
}) => {
  await signInAsOwner(page.request);
  const slug = `keys-${Date.now()}`;
  const created = await page.request.post("/api/v1/projects", {
    headers: sameOrigin(baseURL),
    data: { slug, name: "Key test" },
  });
  expect(created.status()).toBe(201);

  await page.goto(`/settings?project=${slug}`);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: `API keys of project ${slug}` })).toBeVisible();
  await expect(page.getByText("This project has no API keys yet")).toBeVisible();

  const newKeyPanel = page.getByRole("region", { name: "New API key" });
  const form = newKeyPanel.getByRole("form", { name: "New API key" });
  const name = `collector ${Date.now()}`;
  await form.getByLabel("Name").fill(name);
  for (const scope of ["ingest", "read", "admin"])
    await form.getByRole("checkbox", { name: scope, exact: true }).setChecked(false);
  await form.getByRole("button", { name: "Create key" }).click();
  await expect(newKeyPanel.getByRole("alert")).toHaveText("Choose at least one scope.");

  await form.getByRole("checkbox", { name: "ingest", exact: true }).check();
  await form.getByRole("checkbox", { name: "read", exact: true }).check();
  await form.getByRole("button", { name: "Create key" }).click();
  const newKey = page.getByRole("region", { name: "New key", exact: true });
  await expect(newKey).toContainText("the secret will not be shown again");
  const credential = await newKey.getByLabel("Key id and secret").innerText();
  expect(credential).toMatch(/^tfk_\S+:tfs_\S+$/);
  const [keyId, secret] = credential.split(":") as [string, string];

  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await newKey.getByRole("button", { name: "Copy" }).click();
  await expect(newKey.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(credential);

  const row = page.getByRole("table", { name: "API keys" }).locator(`tr[data-key-id="${keyId}"]`);
  await expect(row).toContainText(name);
  await expect(row).toContainText("ingest, read");
  await expect(row.locator('[data-column="last-used"]')).toHaveText("never");

  await page.reload();
  await expect(row).toBeVisible();
  await expect(newKey).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  const spans = { spans: [{ name: "GET /health", service_name: "key-test", duration_ms: 3 }] };
  const withKey = { authorization: `Bearer ${credential}` };
  expect((await request.post("/api/v1/spans", { headers: withKey, data: spans })).status()).toBe(200);
  // the server records the use after answering
  await expect(async () => {
    await page.reload();
    await expect(row.locator('[data-column="last-used"]')).not.toHaveText("never", { timeout: 1000 });
  }).toPass();

  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: "Confirm revoke" }).click();
  await expect(row.locator('[data-column="status"]')).toHaveText("revoked");
  await expect(row.getByRole("button")).toHaveCount(0);
  expect((await request.post("/api/v1/spans", { headers: withKey, data: spans })).status()).toBe(401);
});

test("accounts: an invited viewer cannot manage settings until made admin; a removed account is signed out", async ({
  page,
  browser,
  baseURL,
}) => {
  await signInAsOwner(page.request);
  const viewer = { email: `viewer-${Date.now()}@shop.test`, password: "viewer password 123" };
  await page.goto("/settings/users");

  const invite = page.getByRole("form", { name: "Invite someone" });
  await invite.getByLabel("Email").fill(viewer.email);
  await invite.getByLabel("Initial password").fill(viewer.password);
  await invite.getByLabel("Role").selectOption("viewer");
  await invite.getByRole("button", { name: "Invite" }).click();
  const row = page.getByRole("table", { name: "Accounts" }).locator(`tr[data-account="${viewer.email}"]`);
  const role = row.getByRole("combobox", { name: `Role of ${viewer.email}` });
  await expect(role).toHaveValue("viewer");

  const viewerContext = await browser.newContext({ baseURL });
  const viewerPage = await viewerContext.newPage();
  await signIn(viewerPage.request, viewer);
  await viewerPage.goto("/settings");
  await expect(viewerPage.getByRole("table", { name: "Projects" })).toBeVisible();
  await expect(viewerPage.getByRole("button", { name: "Rename" })).toHaveCount(0);
  await expect(viewerPage.getByRole("checkbox", { name: "Public /metrics" })).toHaveCount(0);
  await expect(viewerPage.getByRole("form", { name: "New project" })).toHaveCount(0);

  const settingsNav = viewerPage.getByRole("navigation", { name: "Settings" });
  await settingsNav.getByRole("link", { name: "API keys" }).click();
  await expect(viewerPage.getByText("Only admins manage API keys")).toBeVisible();
  await expect(viewerPage.getByRole("form", { name: "New API key" })).toHaveCount(0);
  await expect(viewerPage.getByRole("table", { name: "API keys" })).toHaveCount(0);
  await settingsNav.getByRole("link", { name: "Users" }).click();
  await expect(viewerPage.getByText("Only admins manage accounts")).toBeVisible();
  await expect(viewerPage.getByRole("table", { name: "Accounts" })).toHaveCount(0);
  expect((await viewerPage.request.get("/api/v1/keys")).status()).toBe(403);
  expect((await viewerPage.request.get("/api/v1/users")).status()).toBe(403);
  const refused = await viewerPage.request.post("/api/v1/projects", {
    headers: sameOrigin(baseURL),
    data: { slug: `viewer-${Date.now()}`, name: "Not allowed" },
  });
  expect(refused.status()).toBe(403);

  await role.selectOption("admin");
  await expect(role).toHaveValue("admin");
  await expect(role).toBeEnabled();
  await page.reload();
  await expect(role).toHaveValue("admin");
  await viewerPage.goto("/settings/keys");
  await expect(viewerPage.getByRole("form", { name: "New API key" })).toBeVisible();

  await row.getByRole("button", { name: "Remove" }).click();
  await row.getByRole("button", { name: "Confirm remove" }).click();
  await expect(row).toHaveCount(0);
  await viewerPage.goto("/settings");
  // signed out, and sent to sign in with the page asked for kept
  await expect(viewerPage).toHaveURL(/\/login\?next=%2Fsettings$/);
  await viewerContext.close();
});

test("the last admin can be neither removed nor demoted: the API's reason is shown", async ({ page, baseURL }) => {
  await signInAsOwner(page.request);
  // a failed run of another test may leave an admin behind: make the owner the only one
  const { users } = (await (await page.request.get("/api/v1/users")).json()) as {
    users: { id: string; email: string; role: string }[];
  };
  for (const other of users.filter((u) => u.role === "admin" && u.email !== OWNER.email)) {
    const demoted = await page.request.patch(`/api/v1/users/${other.id}`, {
      headers: sameOrigin(baseURL),
      data: { role: "viewer" },
    });
    expect(demoted.status()).toBe(200);
  }

  await page.goto("/settings/users");
  const row = page.getByRole("table", { name: "Accounts" }).locator(`tr[data-account="${OWNER.email}"]`);
  await expect(row).toContainText("you");
  await row.getByRole("button", { name: "Remove" }).click();
  await row.getByRole("button", { name: "Confirm remove" }).click();
  await expect(row.getByRole("alert")).toContainText(
    "Could not remove the account: the last admin cannot be demoted or removed",
  );

  const role = row.getByRole("combobox", { name: `Role of ${OWNER.email}` });
  await role.selectOption("viewer");
  await expect(row.getByRole("alert").filter({ hasText: "change the role" })).toContainText(
    "the last admin cannot be demoted or removed",
  );
  await expect(role).toHaveValue("admin");

  await page.reload();
  await expect(role).toHaveValue("admin");
  await expect(page.getByText(`${OWNER.email} · admin`)).toBeVisible();
});
