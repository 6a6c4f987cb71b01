import { expect, test } from "@playwright/test";
import { OWNER, watchForViolations } from "./browser/session";
import { e2eServer } from "./browser/target";

const signals = ["spans", "metric_points", "logs", "events", "pipeline_events", "network_ops"] as const;
const admin = OWNER;

test("first run: create the admin, see how to send data, see the stored counts go up as data arrives, sign out and back in", async ({
  page,
  request,
}) => {
  // the first-run page runs under the Content-Security-Policy as every other page does
  const problems = watchForViolations(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await page.waitForFunction(() => "next" in window);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Create admin account" }).click();

  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByText(`${admin.email} · admin`)).toBeVisible();
  expect(problems).toEqual([]);
  // an empty project says where to send data
  const guide = page.getByRole("region", { name: "Send data" });
  await expect(guide).toBeVisible();
  await expect(guide.getByLabel("OTLP endpoint")).toContainText(`${new URL(page.url()).origin}/v1/traces`);
  const project = page.getByLabel("Stored data");
  await expect(project).toBeVisible();

  const count = async (signal: string) =>
    Number((await project.locator(`[data-signal="${signal}"] dd`).innerText()).replaceAll(",", ""));
  const before = Object.fromEntries(await Promise.all(signals.map(async (s) => [s, await count(s)] as const)));

  const headers = { authorization: `Bearer ${e2eServer().key}` };
  const now = Date.now() / 1000;
  const posts: [string, unknown][] = [
    ["/api/v1/spans", { spans: [{ name: "GET /checkout", service_name: "shop", start_time: now, duration_ms: 42 }] }],
    [
      "/api/v1/metrics",
      {
        metrics: [
          { name: "cart.size", value: 3 },
          { name: "cart.size", value: 4 },
        ],
      },
    ],
    ["/api/v1/logs", { logs: [{ message: "checkout done" }] }],
    ["/api/v1/events", { events: [{ name: "deploy" }] }],
    ["/api/v1/pipeline/events", { events: [{ event_name: "invoice", task_id: `task-${now}`, start_time: now }] }],
    ["/api/v1/pipeline/network", { operations: [{ task_id: `task-${now}`, host: "smtp", port: 25, start_time: now }] }],
  ];
  for (const [path, data] of posts) {
    const response = await request.post(path, { headers, data });
    expect(response.status(), path).toBe(200);
  }

  await page.reload();
  expect(await count("spans")).toBe(before.spans! + 1);
  expect(await count("metric_points")).toBe(before.metric_points! + 2);
  expect(await count("logs")).toBe(before.logs! + 1);
  expect(await count("events")).toBe(before.events! + 1);
  expect(await count("pipeline_events")).toBe(before.pipeline_events! + 1);
  expect(await count("network_ops")).toBe(before.network_ops! + 1);
  await expect(guide).toBeHidden();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /wrong email or password/ })).toBeVisible();
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
});
