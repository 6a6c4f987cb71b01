import { expect, test, type Page } from "@playwright/test";
import { freshProject, post } from "./browser/ingest";
import { signInAsOwner, watchForViolations } from "./browser/session";
import { e2eServer } from "./browser/target";
import { randomTraceId } from "./browser/traces";

// Telemetry that tries to leave the dashboard through its links, and every page of the dashboard under its
// Content-Security-Policy.

const run = Date.now().toString(36);
const slug = `hostile-${run}`;
const traceId = randomTraceId();
const linkedTrace = randomTraceId();
const SPAN = "a1b2c3d4e5f60718";
const LINKED_SPAN = "0123456789abcdef";
const ESCAPE = "../..//evil.example/x";
const hostileService = `../..//evil.example/svc-${run}`;
const hostileTask = `../..//evil.example/task-${run}`;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const at = (path: string, extra = "") => `${path}${path.includes("?") ? "&" : "?"}project=${slug}&from=now-30m${extra}`;

test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: e2eServer().url });
  await signInAsOwner(request);
  const key = await freshProject(request, slug);
  await post(
    request,
    "/api/v1/spans",
    {
      spans: [
        {
          trace_id: traceId,
          span_id: SPAN,
          name: "GET /orders",
          service_name: hostileService,
          kind: "server",
          start_time: iso(60_000),
          duration_ms: 25,
          links: [
            { trace_id: ESCAPE, span_id: "../../x" },
            { trace_id: "//evil.example/y", span_id: LINKED_SPAN },
            { trace_id: "javascript:alert(1)" },
            { trace_id: `${linkedTrace}/../../..//evil.example`, span_id: LINKED_SPAN },
            { trace_id: linkedTrace, span_id: LINKED_SPAN },
          ],
        },
      ],
    },
    key,
  );
  await post(
    request,
    "/api/v1/pipeline/events",
    {
      events: [
        { event_name: "export", task_id: hostileTask, start_time: iso(90_000), end_time: iso(89_000), error: "boom" },
        { event_name: "export", task_id: "..", start_time: iso(80_000), end_time: iso(79_000), error: "boom" },
      ],
    },
    key,
  );
  await request.dispose();
});

/** Every link on the page stays on this site, at the path it names: nothing in it resolves as a step up. */
async function expectLinksStayHome(page: Page) {
  const origin = new URL(page.url()).origin;
  const hrefs = await page.locator("a[href]").evaluateAll((links) => links.map((a) => a.getAttribute("href")!));
  expect(hrefs.length).toBeGreaterThan(0);
  for (const href of hrefs) {
    expect(href, href).toMatch(/^\/(?![/\\])/);
    const url = new URL(href, page.url());
    expect(url.origin, href).toBe(origin);
    expect(url.pathname + url.search + url.hash, href).toBe(href);
  }
}

test.beforeEach(async ({ page }) => {
  await signInAsOwner(page.request);
});

test("a span's links open only traces, and hostile trace ids are shown as text", async ({ page }) => {
  const problems = watchForViolations(page);
  await page.goto(at(`/traces/${traceId}`, `&span=${SPAN}`));
  const detail = page.getByRole("complementary", { name: "Span detail" });
  const links = detail.getByRole("region", { name: "Links (5)" });
  await expect(links).toBeVisible();
  await expect(links).toContainText(ESCAPE);
  await expect(links).toContainText("javascript:alert(1)");
  // the one well-formed link, and only it, is a link
  const anchors = links.locator("a[href]");
  await expect(anchors).toHaveCount(1);
  await expect(anchors).toHaveAttribute(
    "href",
    `/traces/${linkedTrace}?project=${slug}&from=now-30m&span=${LINKED_SPAN}`,
  );
  await expectLinksStayHome(page);
  expect(problems).toEqual([]);
});

test("service and task names become one encoded path segment", async ({ page }) => {
  const problems = watchForViolations(page);
  await page.goto(at("/"));
  const service = page.getByRole("table", { name: "Services" }).getByRole("link", { name: hostileService });
  await expect(service).toHaveAttribute("href", at(`/services/${encodeURIComponent(hostileService)}`));
  await expectLinksStayHome(page);
  await service.click();
  await expect(page.getByRole("heading", { name: hostileService })).toBeVisible();
  await expectLinksStayHome(page);

  await page.goto(at("/events"));
  const task = page.getByRole("link", { name: hostileTask });
  await expect(task).toHaveAttribute("href", at(`/events/${encodeURIComponent(hostileTask)}`));
  // a task id no path segment can hold is shown, not linked
  const dots = page.locator(`tr[data-task-id=".."]`);
  await expect(dots.first()).toBeVisible();
  await expect(dots.locator("a")).toHaveCount(0);
  await expectLinksStayHome(page);
  await task.click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(hostileTask);
  await expectLinksStayHome(page);
  expect(problems).toEqual([]);
});

const PAGES = [
  "/",
  "/traces",
  "/explore",
  "/logs",
  "/events",
  "/network",
  "/publishers",
  "/alerts",
  "/settings",
  "/settings/keys",
  "/settings/users",
  "/settings/storage",
  "/settings/account",
];

test("every dashboard page loads under the Content-Security-Policy, with nothing refused", async ({ page }) => {
  const problems = watchForViolations(page);
  for (const path of PAGES) {
    const response = await page.goto(at(path));
    expect(response?.status(), path).toBe(200);
    const policy = (await response?.headerValue("content-security-policy")) ?? "";
    expect(policy, path).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    await expect(page.getByRole("navigation", { name: "Sections" }), path).toBeVisible();
    // Next's scripts ran: its client runtime announces itself on window
    await page.waitForFunction(() => "next" in window && (window as { next?: { version?: string } }).next?.version);
    await page.waitForLoadState("networkidle");
    expect(problems, path).toEqual([]);
  }
  // the pages signed out: sign-in, and the dark theme's first-paint script
  await page.context().clearCookies();
  await page.emulateMedia({ colorScheme: "dark" });
  const response = await page.goto("/login");
  expect(response?.status()).toBe(200);
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.waitForFunction(() => "next" in window);
  await page.waitForLoadState("networkidle");
  expect(problems).toEqual([]);
});
