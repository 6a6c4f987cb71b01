import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // db/ and lib/config.ts import "server-only" so that Next refuses to bundle them for the browser. Its default
  // export throws; Next's server layers resolve it to its empty module instead, and so do the tests, which are
  // server code too.
  "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
};
const dbTests = ["**/*.db.test.ts"];
// Test payloads carry fixed times, some years back: the stores under test keep ten years of everything, so none
// of them falls outside retention (the retention tests set their own).
export const TEST_RETENTION = Object.fromEntries(
  ["TRACES", "LOGS", "EVENTS", "METRICS", "PIPELINE", "ROLLUPS"].map((signal) => [
    `TRACEDECK_RETENTION_${signal}`,
    "3650",
  ]),
);
// The tests' publishers send to receivers on loopback, which production refuses; their credentials are sealed with a
// fixed key rather than one generated into the working directory. The tests of both refusals set their own guard.
const TEST_PUBLISHERS = {
  TRACEDECK_ALLOW_PRIVATE_TARGETS: "true",
  TRACEDECK_SECRET_KEY: "dGVzdC1vbmx5LXB1Ymxpc2hlci1zZWNyZXQta2V5ISE=",
};
// tests of what only a Postgres server has (streaming replicas): the db:postgres project alone runs them
const postgresTests = ["**/*.postgres.test.ts"];
const ignore = ["node_modules/**", ".next/**", ".data/**", ".scratch/**", "dist/**"];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["**/*.test.ts"], exclude: [...ignore, ...dbTests, ...postgresTests, "e2e/**"] },
      },
      {
        resolve: { alias },
        test: {
          name: "db:pglite",
          include: dbTests,
          exclude: ignore,
          env: { ...TEST_RETENTION, ...TEST_PUBLISHERS, TRACEDECK_TEST_DRIVER: "pglite" },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "db:postgres",
          include: [...dbTests, ...postgresTests],
          exclude: ignore,
          env: { ...TEST_RETENTION, ...TEST_PUBLISHERS, TRACEDECK_TEST_DRIVER: "postgres" },
          globalSetup: ["db/testing/global-postgres.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "http",
          include: ["e2e/http/**/*.test.ts"],
          env: { ...TEST_RETENTION, ...TEST_PUBLISHERS },
          exclude: ignore,
          globalSetup: ["e2e/http/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
