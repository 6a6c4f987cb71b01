import { expect, type APIRequestContext, type Page } from "@playwright/test";

export interface Account {
  email: string;
  password: string;
}

/** The first admin: e2e/home.spec.ts creates it through /setup. */
export const OWNER: Account = { email: "owner@shop.test", password: "owner password 123" };

/**
 * Signs a browser context in through the API: `page.request` shares the page's cookies, so the
 * page is signed in too. Creates the owner first when the server has no account yet, so a spec
 * does not depend on running after the one that goes through /setup.
 */
export async function signInAsOwner(request: APIRequestContext): Promise<void> {
  const me = (await (await request.get("/api/v1/auth/me")).json()) as { setup_required: boolean };
  if (me.setup_required) {
    const response = await request.post("/api/v1/auth/setup", { data: OWNER });
    expect(response.status(), await response.text()).toBe(201);
    return;
  }
  await signIn(request, OWNER);
}

export async function signIn(request: APIRequestContext, account: Account): Promise<void> {
  const response = await request.post("/api/v1/auth/login", { data: account });
  expect(response.status(), `signing in as ${account.email}: ${await response.text()}`).toBe(200);
}

/** What a browser adds to a state-changing request from the site's own page; the API refuses session requests without it. */
export const sameOrigin = (baseURL: string | undefined) => ({ origin: new URL(baseURL ?? "").origin });

/** Records what the Content-Security-Policy refuses, and any uncaught error, while the test runs. */
export function watchForViolations(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (/Refused to|Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}
