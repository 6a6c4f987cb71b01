// The code's layers as allow-lists: an import that no rule below allows is an error, so a new kind of dependency
// between layers is a decision made here, with its reason, not an accident.
// `npm run lint:deps`; paths are relative to the repository root.

// npm packages are matched by where they resolve, which is under some node_modules/ (a worktree may link it)
const npm = (names) => `(^|/)node_modules/(${names})/`;
const anyPackage = "(^|/)node_modules/";

// the database drivers and the ORM: only db/ and the services talk to the database
const databasePackages = npm("drizzle-orm|postgres|@electric-sql/[^/]+");

// modules that run only in the server: they read the environment, hold connections or answer requests
const serverModules = [
  "^db/",
  "^lib/(query|ingest|auth|publishers|alerts|storage|http|api)/",
  "^lib/config\\.ts$",
  "^lib/errors\\.ts$",
  databasePackages,
];

// the endpoints' methods and paths by name: pure data that the browser needs to call an endpoint
const routeTable = "^lib/api/routes\\.ts$";

// the neutral module that the server and the SDK both import
const shared = "^lib/shared/";

// The SDK is an application-side package: the server shares code with it through lib/shared, never by importing
// it, so the SDK's modules stay free to change with the SDK. What stands outside both (the CLIs, the end-to-end
// tests) uses only its entry points, as applications do.
const sdk = "^lib/sdk/";
const sdkInternals = "^lib/sdk/(?!index\\.ts$|[^/]+/index\\.ts$)";

// what the SDK package depends on: esbuild leaves packages external, so each of these is a dependency of the
// applications that install the SDK (prom-client, @elastic/elasticsearch, @grpc/grpc-js and @opentelemetry/api are
// optional peers)
const sdkPackages = npm("protobufjs|snappyjs|prom-client|@elastic/elasticsearch|@grpc/grpc-js|@opentelemetry/api");

// the SDK runs inside Node applications and may use these built-ins only: async_hooks keeps the current trace,
// http serves the Prometheus scrape endpoint, http and https send exports over kept-alive connections, zlib and util
// compress request bodies, fs reads Config.fromFile
const sdkBuiltins = "^(async_hooks|http|https|zlib|util|fs|fs/promises)$";

// what tests are written with; none of it ships
const testTooling = npm("vitest|@vitest/[^/]+|@opentelemetry/[^/]+|@elastic/elasticsearch-mock");

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "A cycle makes two modules one: neither can be read, tested or moved without the other, and module " +
        "initialisation order starts to matter. Extract what both need instead.",
      from: {},
      to: { circular: true },
    },
    {
      name: "route-table-is-a-leaf",
      severity: "error",
      comment:
        "lib/api/routes.ts is bundled into the browser (see the components rules): it stays plain data and " +
        "imports nothing, so no schema or server code rides along with it.",
      from: { path: routeTable },
      to: {},
    },
  ],
  allowedSeverity: "error",
  allowed: [
    // app/
    {
      comment:
        "app/ holds routes only: pages render components, route handlers call service verbs in lib/. It reaches " +
        "neither db/ (not even for types: the services own the queries) nor the SDK (see `sdk`).",
      from: { path: "^app/" },
      to: { path: "^(app|components|lib)/", pathNot: sdk },
    },
    {
      comment: "app/ uses the framework and UI packages, never the database packages: routes hold no SQL.",
      from: { path: "^app/" },
      to: { path: anyPackage, pathNot: databasePackages },
    },

    // components/
    {
      comment:
        "components/ render data in the browser and on the server; at run time they use other components and " +
        "the modules of lib/ that do no server work (lib/model's vocabulary and the like), not the SDK.",
      from: { path: "^components/" },
      to: { path: "^(components|lib)/", pathNot: [...serverModules, sdk] },
    },
    {
      comment:
        "components/ call endpoints by name: the table of methods and paths is plain data (a leaf, checked " +
        "above), the one module of lib/api they import at run time.",
      from: { path: "^components/" },
      to: { path: routeTable },
    },
    {
      comment:
        "components/ may name the shapes the services return (`import type`): types are erased, so nothing of " +
        "the server reaches the client bundle.",
      from: { path: "^components/" },
      to: { path: serverModules, dependencyTypes: ["type-only"] },
    },
    {
      comment: "components/ use React, the framework and UI packages; the database packages only as types (above).",
      from: { path: "^components/" },
      to: { path: anyPackage, pathNot: databasePackages },
    },

    // lib/sdk/
    {
      comment:
        "The SDK is packed as its own npm package and runs inside applications: it imports itself and the " +
        "neutral shared module, nothing of the server.",
      from: { path: sdk },
      to: { path: [sdk, shared] },
    },
    {
      comment: "Every package the SDK imports is one more dependency of the applications using it.",
      from: { path: sdk },
      to: { path: sdkPackages },
    },
    {
      comment: "The SDK runs in applications' Node processes: it uses the few built-ins listed in sdkBuiltins.",
      from: { path: sdk },
      to: { dependencyTypes: ["core"], path: sdkBuiltins },
    },
    {
      comment:
        "SDK tests run in Node and never ship: any built-in and the test tooling, but still nothing of the server.",
      from: { path: "^lib/sdk/.+\\.test\\.ts$" },
      to: { path: testTooling },
    },
    {
      comment: "SDK tests may use any built-in: they start servers and child processes to talk to.",
      from: { path: "^lib/sdk/.+\\.test\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },

    // the neutral shared module
    {
      comment:
        "The shared module is imported by the server and bundled into the SDK, so it imports only itself and " +
        "the SDK's packages: anything else would drag one side into the other.",
      from: { path: shared },
      to: { path: [shared, sdkPackages] },
    },

    // lib/model/
    {
      comment:
        "lib/model is the vocabulary of the server and the dashboard (records, enums, zod wire schemas): no I/O " +
        "and nothing of the server, so components can read it as well as the services.",
      from: { path: "^lib/model/" },
      to: { path: ["^lib/model/", shared, npm("zod")] },
    },
    {
      comment:
        "lib/model makes ids with node:crypto's random bytes; it takes no other built-in, so it stays free of I/O.",
      from: { path: "^lib/model/" },
      to: { dependencyTypes: ["core"], path: "^crypto$" },
    },
    {
      comment: "lib/model's tests use the test tooling.",
      from: { path: "^lib/model/.+\\.test\\.ts$" },
      to: { path: testTooling },
    },

    // db/
    {
      comment:
        "db/ is the bottom layer: the schema, the driver and migrations. It may read lib/config.ts, a leaf that " +
        "imports nothing of the repository (checked below), to pick the driver and the data directory; " +
        "anything else above it would make the storage depend on what is built on it.",
      from: { path: "^db/" },
      to: { path: ["^db/", "^lib/config\\.ts$", anyPackage] },
    },
    {
      comment: "db/ opens files, the data directory's lock and random names with Node's built-ins.",
      from: { path: "^db/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      comment:
        "Exception: db/testing is the fixture of the *.db.test.ts files and never runs in the server. It hands " +
        "services a context acting for a fresh project, so it names the context's type and the list of scopes " +
        "(a declarative module that imports only zod).",
      from: { path: "^db/testing/" },
      to: { path: "^lib/auth/(context|scopes)\\.ts$" },
    },

    // lib/testing/
    {
      comment:
        "lib/testing holds what the tests fuzz with and never runs in the server. It draws from the demo's " +
        "seeded generator, so a failure is found again.",
      from: { path: "^lib/testing/" },
      to: { path: "^scripts/demo/random\\.ts$" },
    },

    // lib/config.ts
    {
      comment:
        "lib/config.ts parses the environment and is read by every layer down to db/: it stays a leaf, importing " +
        "packages and built-ins only, so reading it never pulls in anything else.",
      from: { path: "^lib/config\\.ts$" },
      to: { path: anyPackage },
    },
    {
      comment: "lib/config.ts resolves the data directory with node:path.",
      from: { path: "^lib/config\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    {
      comment: "lib/config.ts's tests parse environments with it, using the test tooling.",
      from: { path: "^lib/config\\.test\\.ts$" },
      to: { path: ["^lib/config\\.ts$", testTooling] },
    },

    // the services and their plumbing
    {
      comment:
        "The services (query, ingest, auth, publishers, alerts) and the route plumbing (http, api) sit between the " +
        "routes and the database: they use each other, lib/, db/, packages and built-ins, never app/ or " +
        "components/ above them, nor the SDK (see `sdk`). They read package.json for the version they report.",
      from: { path: "^lib/(query|ingest|auth|publishers|alerts|storage|http|api)/" },
      to: { path: ["^lib/", "^db/", anyPackage, "^package\\.json$"], pathNot: sdk },
    },
    {
      comment: "The services run in the server's Node process and use its built-ins.",
      from: { path: "^lib/(query|ingest|auth|publishers|alerts|storage|http|api)/" },
      to: { dependencyTypes: ["core"] },
    },

    // lib/errors.ts
    {
      comment:
        "lib/errors.ts is the domain's error type, free of HTTP: services throw it, lib/http maps it to a " +
        "status. It reads zod's issues and asks db/errors.ts what a driver's error means.",
      from: { path: "^lib/errors\\.ts$" },
      to: { path: [npm("zod"), "^db/errors\\.ts$"] },
    },

    // entry points and tests outside the layers
    {
      comment:
        "The CLIs (scripts/), the end-to-end tests (e2e/) and Next's hooks (instrumentation.ts, proxy.ts) sit " +
        "on top of every layer and may use any of them; of the SDK, its entry points only (see `sdk`).",
      from: { path: ["^scripts/", "^e2e/", "^instrumentation\\.ts$", "^proxy\\.ts$"] },
      to: { couldNotResolve: false, pathNot: sdkInternals },
    },
  ],
  options: {
    // the @/ alias comes from tsconfig.json, so `@/db` and `../db` are the same module here
    tsConfig: { fileName: "tsconfig.json" },
    // see `import type`, told apart by the "type-only" dependency type
    tsPreCompilationDeps: true,
    doNotFollow: { path: anyPackage },
    exclude: { path: ["(^|/)\\.next/", "(^|/)dist/", "^db/migrations/"] },
    moduleSystems: ["es6", "cjs"],
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
