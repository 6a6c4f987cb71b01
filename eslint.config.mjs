import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import tseslint from "typescript-eslint";

const serverOnly = [
  "@/db",
  "@/db/*",
  "@/lib/ingest/*",
  "@/lib/query/*",
  "@/lib/auth/*",
  "@/lib/publishers/*",
  "@/lib/http/*",
  "@/lib/config",
  "drizzle-orm",
  "drizzle-orm/*",
  "postgres",
  "@electric-sql/*",
];
const sdkServerImports = {
  group: serverOnly,
  message: "lib/sdk imports nothing server-side (types from lib/model via `import type` only).",
};

const config = [
  ...nextVitals,
  ...nextTypescript,
  {
    // rules that need the type checker: a promise nobody awaits loses its rejection, an async function
    // handed to an event handler rejects into nowhere, a switch over a union silently misses a new member
    files: ["**/*.ts", "**/*.tsx"],
    plugins: { "@typescript-eslint": tseslint.plugin },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
    },
  },
  {
    ignores: [".next/**", "node_modules/**", ".data/**", "db/migrations/**", "next-env.d.ts", ".scratch/**", "dist/**"],
  },
  {
    files: ["app/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            // routes hold no SQL: they call service verbs in lib/, which own the queries
            {
              group: ["@/db/schema", "@/db/schema/*", "drizzle-orm", "drizzle-orm/*"],
              message: "app/ calls services in lib/; it does not query tables.",
            },
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
            sdkServerImports,
            // the SDK runs inside Node applications and may use these built-ins only: async_hooks keeps
            // the current trace, http serves the Prometheus scrape endpoint, zlib and util compress
            // request bodies, fs reads Config.fromFile
            {
              group: [
                "node:*",
                "!node:async_hooks",
                "!node:http",
                "!node:zlib",
                "!node:util",
                "!node:fs",
                "!node:fs/promises",
              ],
              message: "lib/sdk uses only the Node built-ins allowed in eslint.config.mjs.",
            },
          ],
        },
      ],
    },
  },
  {
    // SDK tests run in Node and never ship: any built-in, but still nothing of the server
    files: ["lib/sdk/**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [sdkServerImports] }] },
  },
  {
    files: ["components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            // components render data; they never reach the database
            {
              group: ["@/db", "@/db/*", "drizzle-orm", "drizzle-orm/*"],
              message: "components receive data; they do not query.",
            },
          ],
        },
      ],
    },
  },
];

export default config;
