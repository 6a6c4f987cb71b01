import { test } from "@playwright/test";

/**
 * The server the running test's project drives, and an ingest key of it: the embedded store's, or for a project
 * named "…:postgres", the one on Postgres (e2e/browser/global-setup.ts starts both).
 */
export function e2eServer(): { url: string; key: string } {
  const onPostgres = test.info().project.name.endsWith(":postgres");
  const url = process.env[onPostgres ? "TRACEDECK_E2E_POSTGRES_URL" : "TRACEDECK_E2E_URL"];
  const key = process.env[onPostgres ? "TRACEDECK_E2E_POSTGRES_KEY" : "TRACEDECK_E2E_KEY"];
  if (!url || !key) throw new Error("the browser tests' global setup did not leave a server for this project");
  return { url, key };
}
