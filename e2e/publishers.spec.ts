import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { freshProject, post } from "./browser/ingest";
import { signInAsOwner } from "./browser/session";

// A server-side publisher whose target is down shows as failing on the Publishers page, with the
// target's answer, and turns healthy on its own once the target is back, with everything sent.

const run = Date.now().toString(36);
const slug = `forward-${run}`;
let key = "";
let hook: Server;
let hookUp = false;
const received: string[] = [];

test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: process.env.TRACEDECK_E2E_URL });
  await signInAsOwner(request);
  key = await freshProject(request, slug);
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (!hookUp) return void res.writeHead(503).end("down for maintenance");
      received.push(
        ...(JSON.parse(Buffer.concat(chunks).toString()) as { records: { task_id: string }[] }).records.map(
          (r) => r.task_id,
        ),
      );
      res.writeHead(200).end();
    });
  });
  hook.listen(0, "127.0.0.1");
  await once(hook, "listening");
});

test.afterAll(async () => {
  await new Promise((resolve) => hook.close(resolve));
});

test("a failing publisher shows as failing, then recovers on its own", async ({ page }) => {
  await signInAsOwner(page.request);
  await page.goto(`/publishers?project=${slug}&from=now-15m`);
  await page.getByRole("button", { name: "Add a publisher" }).click();
  const form = page.getByRole("form", { name: "New publisher" });
  await form.getByLabel("Name").fill("audit-webhook");
  await form.getByLabel("Type").selectOption("webhook");
  // the template for the type is filled in; this one points at the loopback receiver
  await expect(form.getByLabel("Configuration (JSON)")).toHaveValue(/"secret"/);
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  await form
    .getByLabel("Configuration (JSON)")
    .fill(JSON.stringify({ url, secret: "a-signing-secret-of-some-length", retry_initial_ms: 300, retry_max_ms: 600 }));
  await form.getByRole("button", { name: "Add" }).click();
  const card = page.locator('li[data-publisher="audit-webhook"]');
  await expect(card).toContainText("webhook · forwarded by this server");

  const now = Date.now();
  const tasks = ["export-1", "export-2", "export-3"];
  await post(
    page.request,
    "/api/v1/pipeline/events",
    {
      events: tasks.map((task_id, i) => ({
        event_name: "export",
        task_id,
        start_time: new Date(now - 5000 + i).toISOString(),
        end_time: new Date(now - 4000 + i).toISOString(),
        status: "completed",
      })),
    },
    key,
  );

  await expect(card.getByTestId("publisher-state")).toHaveText("failing", { timeout: 20_000 });
  await expect(card).toContainText("webhook answered 503");
  // the target's own words (its response body) are not shown
  await expect(card).not.toContainText("down for maintenance");
  await expect(card.getByText("Backlog").locator("xpath=following-sibling::dd[1]")).toHaveText("3");
  // nothing sent and nothing refused yet: the card says the records wait, rather than only 0 / 0
  await expect(card.getByTestId("publisher-note")).toHaveText(
    "3 records wait to be retried; none is lost until the backlog is full.",
  );

  hookUp = true;
  await expect(card.getByTestId("publisher-state")).toHaveText("healthy", { timeout: 20_000 });
  await expect(card.getByText("Sent / failed").locator("xpath=following-sibling::dd[1]")).toHaveText("3 / 0");
  await expect(card.getByText("Backlog").locator("xpath=following-sibling::dd[1]")).toHaveText("0");
  await expect(card.getByTestId("publisher-note")).toHaveCount(0);
  expect(received.sort()).toEqual(tasks);
  await expect(card.getByRole("figure", { name: "audit-webhook sends and failures" })).toBeVisible();
});
