import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Locator } from "@playwright/test";
import { freshProject, post } from "./browser/ingest";
import { sameOrigin, signIn, signInAsOwner, watchForViolations } from "./browser/session";
import { randomTraceId } from "./browser/traces";

// An admin makes a channel and a rule on the Alerts page (the rule from "Alert on this" on a service's page); the
// rule fires on the service's failures, the header counts it, the webhook hears of it, the rule's history says how
// the notification went, and a silence mutes it. A viewer sees all of it and changes none of it.

const run = Date.now().toString(36);
const slug = `alerts-${run}`;
const service = `checkout-${run}`;
const ruleName = "Checkout is failing";
let key = "";
let hook: Server;
const received: { type?: string; status?: string; rule?: string }[] = [];

test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: process.env.TRACEDECK_E2E_URL });
  await signInAsOwner(request);
  key = await freshProject(request, slug);
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString()) as (typeof received)[number]);
      res.writeHead(200).end();
    });
  });
  // the browser tests' server allows loopback targets (TRACEDECK_ALLOW_PRIVATE_TARGETS in their global setup)
  hook.listen(0, "127.0.0.1");
  await once(hook, "listening");
});

test.afterAll(async () => {
  await new Promise((resolve) => hook.close(resolve));
});

/** A click that lands before the page has hydrated is lost: click until `opened` shows. */
async function open(button: Locator, opened: Locator) {
  await expect(async () => {
    await button.click();
    await expect(opened).toBeVisible({ timeout: 1000 });
  }).toPass();
}

test("a rule made from a service's page fires, notifies its webhook, is counted in the header, and is silenced", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const problems = watchForViolations(page);
  await signInAsOwner(page.request);
  // half of the service's requests of the last two minutes failed; they are sent before the rule exists, as a new
  // rule is evaluated within seconds of being made (and then once a minute)
  const now = Date.now();
  const spans = Array.from({ length: 20 }, (_, i) => ({
    trace_id: randomTraceId(),
    span_id: (i + 1).toString(16).padStart(16, "0"),
    name: "POST /pay",
    service_name: service,
    kind: "server",
    ...(i % 2 ? { status: "error", status_message: "card declined" } : {}),
    start_time: new Date(now - 120_000 + i * 5000).toISOString(),
    duration_ms: 40,
  }));
  await post(page.request, "/api/v1/spans", { spans }, key);

  await page.goto(`/alerts?project=${slug}`);
  await expect(page.getByRole("region", { name: "Alerting now" })).toContainText("Nothing is firing");
  const sections = page.getByRole("navigation", { name: "Sections" });
  await expect(sections.getByRole("link", { name: "Alerts" })).toBeVisible();
  await expect(sections.getByTestId("firing-count")).toHaveCount(0);

  // a webhook channel, tested from the page
  const channelForm = page.getByRole("form", { name: "New channel" });
  await open(page.getByRole("button", { name: "Add a channel" }), channelForm);
  await channelForm.getByLabel("Channel name").fill("alert-hook");
  await channelForm.getByLabel("URL").fill(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`);
  await channelForm.getByRole("button", { name: "Add channel" }).click();
  const channel = page.locator('tr[data-channel="alert-hook"]');
  await expect(channel).toContainText("/hook");
  await channel.getByRole("button", { name: "Send a test through alert-hook" }).click();
  await expect(channel.getByTestId("test-result")).toHaveText("Test delivered.");
  expect(received.map((m) => m.status)).toEqual(["test"]);
  await expect(channel.locator('[data-column="sent-failed"]')).toHaveText("1 / 0");

  // "Alert on this" beside the service's error rate opens the form filled in
  await page.goto(`/services/${service}?project=${slug}`);
  await page.getByRole("link", { name: `Alert on this: ${service} error rate` }).click();
  await expect(page).toHaveURL(/\/alerts\?.*new=1/);
  const form = page.getByRole("form", { name: "New alert rule" });
  // typed before the page hydrates, a value would be lost: the button waits for it
  await expect(form.getByRole("button", { name: "Create rule" })).toBeEnabled();
  await expect(form.getByLabel("Service", { exact: true })).toHaveValue(service);
  await expect(form.getByLabel("Measure")).toHaveValue("error_rate");
  await expect(form.getByLabel("Rule name")).toHaveValue(`${service} error_rate`);
  await form.getByLabel("Rule name").fill(ruleName);
  await form.getByLabel("Threshold").fill("0.1");
  await expect(form.getByLabel("For (minutes)")).toHaveValue("0");
  await form.getByRole("checkbox", { name: /^alert-hook/ }).check();
  // what the API refuses is said next to the form, naming the field
  await form.getByLabel("Window (minutes)").fill("5000");
  await form.getByRole("button", { name: "Create rule" }).click();
  await expect(form.getByRole("alert")).toContainText("condition.window_minutes");
  await form.getByLabel("Window (minutes)").fill("5");
  await form.getByRole("button", { name: "Create rule" }).click();
  await expect(form).toHaveCount(0);
  await expect(page).not.toHaveURL(/new=1/);

  const rule = page.locator(`tr[data-rule="${ruleName}"]`);
  await expect(rule).toContainText(`${service} error_rate above 10% over 5 min`);
  await expect(rule).toContainText("alert-hook");
  await expect(rule).toHaveAttribute("data-state", "firing", { timeout: 90_000 });
  const firing = page.getByRole("list", { name: "Alerts now" }).locator('li[data-state="firing"]');
  await expect(firing).toContainText(ruleName);
  await expect(firing.locator('[data-column="value"]')).toHaveText("50%");
  await expect(sections.getByRole("link", { name: /Alerts.*1 firing/ })).toBeVisible();
  await expect(sections.getByTestId("firing-count")).toContainText("1");
  await expect
    .poll(() => received.filter((m) => m.status === "firing").map((m) => m.rule), { timeout: 30_000 })
    .toEqual([ruleName]);

  // its history: the change and how the notification went
  await rule.getByRole("link", { name: ruleName }).click();
  await expect(page).toHaveURL(/rule=/);
  const history = page.getByRole("table", { name: `History of ${ruleName}` });
  const change = history.locator('tr[data-change="ok>firing"]');
  await expect(change).toContainText("50%");
  await expect(change.locator('[data-notification="alert-hook"]')).toContainText("delivered", { timeout: 20_000 });
  await expect(change.locator('[data-notification="alert-hook"]')).toContainText("1 attempt");

  // silenced for an hour, with the reason
  const silence = page.getByRole("form", { name: `Silence ${ruleName}` });
  await rule.getByRole("button", { name: `Silence ${ruleName}` }).click();
  await silence.getByLabel("Silence for").selectOption("60");
  await silence.getByLabel("Reason").fill("deploying the fix");
  await silence.getByRole("button", { name: "Silence", exact: true }).click();
  await expect(silence).toHaveCount(0);
  const silenced = page.getByRole("table", { name: "Silences" }).locator(`tr[data-silence="${ruleName}"]`);
  await expect(silenced).toContainText("deploying the fix");
  await expect(silenced.locator('[data-column="status"]')).toHaveText("active");
  await expect(rule).toContainText("silenced until");
  await expect(firing.getByTestId("silenced")).toBeVisible();
  expect(problems).toEqual([]);

  // a viewer sees the rule, its channel and its silence, and no control that changes them
  const viewer = { email: `alerts-viewer-${run}@shop.test`, password: "viewer password 123" };
  const invited = await page.request.post("/api/v1/users", {
    headers: sameOrigin(baseURL),
    data: { ...viewer, role: "viewer" },
  });
  expect(invited.status(), await invited.text()).toBe(201);
  const viewerContext = await browser.newContext({ baseURL });
  const viewerPage = await viewerContext.newPage();
  await signIn(viewerPage.request, viewer);
  await viewerPage.goto(`/alerts?project=${slug}`);
  const seen = viewerPage.locator(`tr[data-rule="${ruleName}"]`);
  await expect(seen).toHaveAttribute("data-state", "firing");
  // the test and the firing notification
  await expect(viewerPage.locator('tr[data-channel="alert-hook"]')).toContainText("2 / 0");
  await expect(viewerPage.getByRole("table", { name: "Silences" })).toContainText("deploying the fix");
  await expect(
    viewerPage.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: /1 firing/ }),
  ).toBeVisible();
  await expect(viewerPage.getByRole("main").getByRole("button")).toHaveCount(0);
  // nor a way to make a rule from a chart
  await viewerPage.goto(`/services/${service}?project=${slug}`);
  await expect(viewerPage.getByRole("region", { name: "Error rate" })).toBeVisible();
  await expect(viewerPage.getByRole("link", { name: /Alert on this/ })).toHaveCount(0);
  await viewerContext.close();
});
