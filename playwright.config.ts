import { defineConfig } from "@playwright/test";

// Browser tests drive the system Chromium (Debian's package), not a downloaded browser.
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  // first run (no account yet) is tested before anything signs in; first run, security and accounts run again
  // against a server on Postgres (the global setup starts both)
  projects: [
    { name: "first-run", testMatch: "home.spec.ts" },
    { name: "dashboard", testMatch: "**/*.spec.ts", testIgnore: "home.spec.ts", dependencies: ["first-run"] },
    { name: "first-run:postgres", testMatch: "home.spec.ts", use: { baseURL: process.env.TRACEDECK_E2E_POSTGRES_URL } },
    {
      name: "security:postgres",
      testMatch: ["security.spec.ts", "account.spec.ts"],
      dependencies: ["first-run:postgres"],
      use: { baseURL: process.env.TRACEDECK_E2E_POSTGRES_URL },
    },
  ],
  globalSetup: "./e2e/browser/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  reporter: process.env.CI ? "line" : "list",
  use: {
    baseURL: process.env.TRACEDECK_E2E_URL,
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
});
