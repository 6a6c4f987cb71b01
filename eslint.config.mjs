import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const serverOnly = ["@/db", "@/db/*", "@/lib/ingest/*", "@/lib/query/*", "@/lib/auth/*", "@/lib/publishers/*", "@/lib/http/*", "@/lib/config", "drizzle-orm", "drizzle-orm/*", "postgres", "@electric-sql/*", "node:*"];

const config = [
  ...nextVitals,
  ...nextTypescript,
  { ignores: [".next/**", "node_modules/**", ".data/**", "db/migrations/**", "next-env.d.ts", ".scratch/**"] },
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
            // … but it runs inside Node applications, so these built-ins are allowed: node:zlib and
            // node:util (gzip request bodies), node:fs (Config.fromFile), node:http (fake servers in its tests)
            { group: [...serverOnly, "!node:zlib", "!node:util", "!node:fs", "!node:fs/promises", "!node:http"], message: "lib/sdk imports nothing server-side (types from lib/model via `import type` only)." },
          ],
        },
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
