import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const serverOnly = ["@/db", "@/db/*", "@/lib/ingest/*", "@/lib/query/*", "@/lib/auth/*", "@/lib/publishers/*", "@/lib/http/*", "@/lib/config", "drizzle-orm", "drizzle-orm/*", "postgres", "@electric-sql/*", "node:*"];

const config = [
  ...nextVitals,
  ...nextTypescript,
  { ignores: [".next/**", "node_modules/**", ".data/**", "db/migrations/**", "next-env.d.ts", ".scratch/**", "dist/**"] },
  {
    files: ["app/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            // routes hold no SQL: they call service verbs in lib/, which own the queries
            { group: ["@/db/schema", "@/db/schema/*", "drizzle-orm", "drizzle-orm/*"], message: "app/ calls services in lib/; it does not query tables." },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/sdk/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            // the SDK ships to applications: it may not pull in the server
            // node:async_hooks is the exception: the SDK runs in Node applications and keeps the current trace in AsyncLocalStorage
            { group: [...serverOnly, "!node:async_hooks"], message: "lib/sdk imports nothing server-side (types from lib/model via `import type` only)." },
          ],
        },
      ],
    },
  },
  {
    // SDK tests run in Node and never ship, so they may use Node built-ins (events, timers)
    files: ["lib/sdk/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: serverOnly.filter((pattern) => pattern !== "node:*"), message: "SDK tests import nothing server-side." }] },
      ],
    },
  },
  {
    files: ["components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            // components render data; they never reach the database
            { group: ["@/db", "@/db/*", "drizzle-orm", "drizzle-orm/*"], message: "components receive data; they do not query." },
          ],
        },
      ],
    },
  },
];

export default config;
