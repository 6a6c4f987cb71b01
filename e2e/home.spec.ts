import { expect, test } from "@playwright/test";

const signals = ["spans", "metrics", "logs", "events", "pipelineEvents", "networkOps"] as const;

test("the home page shows the project and its stored counts, which go up as data arrives", async ({ page, request }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Tracedeck" })).toBeVisible();
  const project = page.getByRole("region", { name: "Project Default" });
  await expect(project).toBeVisible();

  const count = async (signal: string) => Number((await project.locator(`[data-signal="${signal}"] dd`).innerText()).replaceAll(",", ""));
  const before = Object.fromEntries(await Promise.all(signals.map(async (s) => [s, await count(s)] as const)));

  const headers = { authorization: `Bearer ${process.env.TRACEDECK_E2E_KEY}` };
  const now = Date.now() / 1000;
  const posts: [string, unknown][] = [
    ["/api/v1/spans", { spans: [{ name: "GET /checkout", service_name: "shop", start_time: now, duration_ms: 42 }] }],
    ["/api/v1/metrics", { metrics: [{ name: "cart.size", value: 3 }, { name: "cart.size", value: 4 }] }],
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
  expect(await count("metrics")).toBe(before.metrics! + 2);
  expect(await count("logs")).toBe(before.logs! + 1);
  expect(await count("events")).toBe(before.events! + 1);
  expect(await count("pipelineEvents")).toBe(before.pipelineEvents! + 1);
  expect(await count("networkOps")).toBe(before.networkOps! + 1);
});
