import { expect, test } from "@playwright/test";
import { OWNER, sameOrigin, signIn, signInAsOwner } from "./browser/session";

test("your account: a password is changed with the current one, and the account's other sessions end", async ({
  page,
  browser,
  baseURL,
}) => {
  await signInAsOwner(page.request);
  const account = { email: `changer-${Date.now()}@shop.test`, password: "first password here" };
  const invited = await page.request.post("/api/v1/users", { headers: sameOrigin(baseURL), data: account });
  expect(invited.status(), await invited.text()).toBe(201);

  const context = await browser.newContext({ baseURL });
  const mine = await context.newPage();
  await signIn(mine.request, account);
  const elsewhere = await browser.newContext({ baseURL });
  await signIn(elsewhere.request, account);

  // the account in the header leads to it, and so does the settings tab
  await mine.goto("/traces");
  await mine.getByRole("banner").getByRole("link", { name: account.email }).click();
  await expect(mine).toHaveURL(/\/settings\/account$/);
  await mine.goto("/settings");
  await mine.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Your account" }).click();
  await expect(mine.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(mine.getByText("Signed in as")).toContainText(account.email);
  const form = mine.getByRole("form", { name: "Change password" });
  const section = mine.getByRole("region", { name: "Change password" });

  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password", { exact: true }).fill("second password here");
  await form.getByLabel("Repeat the new password").fill("second password here");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(section.getByRole("alert")).toContainText("current password is wrong");

  await form.getByLabel("Current password").fill(account.password);
  await form.getByLabel("New password", { exact: true }).fill("iloveyou123456");
  await form.getByLabel("Repeat the new password").fill("iloveyou123456");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(section.getByRole("alert")).toContainText("common password");

  await form.getByLabel("Current password").fill(account.password);
  await form.getByLabel("New password", { exact: true }).fill("second password here");
  await form.getByLabel("Repeat the new password").fill("second password here");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(section.getByRole("status")).toContainText("Password changed");
  await expect(section.getByRole("alert")).toHaveCount(0);

  // this browser stays signed in with its fresh session; the other one is signed out
  await mine.reload();
  await expect(mine.getByRole("heading", { name: "Your account" })).toBeVisible();
  expect((await elsewhere.request.get("/api/v1/auth/me")).status()).toBe(200);
  expect(await (await elsewhere.request.get("/api/v1/auth/me")).json()).toMatchObject({ user: null });
  const oldPassword = await elsewhere.request.post("/api/v1/auth/login", { data: account });
  expect(oldPassword.status()).toBe(401);
  await signIn(elsewhere.request, { ...account, password: "second password here" });

  await context.close();
  await elsewhere.close();
});

test("sign-in returns to the page you asked for, and never to another site", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signInAsOwner(page.request); // makes sure the owner exists
  await context.clearCookies();

  await page.goto("/traces?service=api&min_duration_ms=250");
  await expect(page).toHaveURL(/\/login\?next=%2Ftraces%3Fservice%3Dapi%26min_duration_ms%3D250$/);
  const signInWith = async () => {
    await page.getByLabel("Email").fill(OWNER.email);
    await page.getByLabel("Password").fill(OWNER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  };
  await signInWith();
  await expect(page).toHaveURL(/\/traces\?service=api&min_duration_ms=250$/);
  await expect(page.getByLabel("Min duration (ms)")).toHaveValue("250");

  // signed in already: the sign-in page sends you straight on
  await page.goto("/login?next=%2Fnetwork");
  await expect(page).toHaveURL(/\/network$/);

  // a `next` pointing away from the dashboard is not followed
  await context.clearCookies();
  for (const next of ["https://evil.example/", "//evil.example/", "/\\evil.example"]) {
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await signInWith();
    await expect(page).toHaveURL(new URL("/", baseURL).href);
    await context.clearCookies();
  }
  await context.close();
});
