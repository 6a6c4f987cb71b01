import type { Random } from "./random";
import { runTask, type TaskContext, type TaskName, type TaskReport } from "./tasks";
import { micros, type Attributes, type WireEvent, type WireLog, type WireNetworkOp, type WireSpan } from "./wire";

// A small online shop, made up: a storefront (`frontend`) calls the `api`, which reads postgres
// (`db`) and redis (`cache`) and publishes orders to a queue, from which a `worker` processes them
// and runs the shop's background tasks. generateTrace turns one visitor request (or, now and
// then, a batch job) into everything the shop's instrumentation would report about it. Pure: a
// seeded Random and a start time in, records out.

/** Share of requests that fail with a 500. */
export const ERROR_RATE = 0.035;
/** Share of requests held up by a slow database query (1–3 s in all). */
export const SLOW_RATE = 0.02;
/** Share of product page views of a product that no longer exists (a 404, not an error). */
const NOT_FOUND_RATE = 0.04;
/** Share of traces that are the inventory batch job (~200 spans) rather than a request. */
const BATCH_JOB_RATE = 0.004;

export type ServiceName = "frontend" | "api" | "worker";

export const SHOP_SERVICES: Record<ServiceName, { version: string; previousVersion: string; hosts: string[] }> = {
  frontend: {
    version: "3.8.1",
    previousVersion: "3.8.0",
    hosts: ["frontend-7c9d4b8f6-k2x9q", "frontend-7c9d4b8f6-p8w3m"],
  },
  api: {
    version: "2.14.0",
    previousVersion: "2.13.2",
    hosts: ["api-5f6b7d9c8-4hzrt", "api-5f6b7d9c8-9vq2n", "api-5f6b7d9c8-xc7lw"],
  },
  worker: { version: "1.6.3", previousVersion: "1.6.2", hosts: ["worker-6d8f5c4b7-m4jdz", "worker-6d8f5c4b7-t7ngs"] },
};

/** What describes a service wherever it runs. */
export function serviceResource(service: ServiceName): Attributes {
  return {
    "service.name": service,
    "service.namespace": "shop",
    "service.version": SHOP_SERVICES[service].version,
    "deployment.environment": "production",
    "telemetry.sdk.language": "nodejs",
    "telemetry.sdk.name": "opentelemetry",
  };
}

const resourceOf = (service: ServiceName, host: string): Attributes => ({
  ...serviceResource(service),
  "host.name": host,
});

/** A worker's process id, stable per host, as a pipeline report carries it. */
export const workerProcessId = (host: string): number => 4100 + SHOP_SERVICES.worker.hosts.indexOf(host) * 37;

/** Visitors per second, `elapsed` ms after the traffic began: a slow swell and ebb, so charts have a shape. */
export function requestsPerSecond(elapsed: number): number {
  return 2.5 * (1 + 0.3 * Math.sin((2 * Math.PI * elapsed) / (15 * 60_000)));
}

/** A request a service answered, for the request-duration histogram and active-requests gauge. */
export interface RequestSample {
  service: ServiceName;
  method: string;
  route: string;
  status: number;
  start: number;
  end: number;
}

export interface OrderSample {
  time: number;
  paymentMethod: string;
}

export interface ShopTrace {
  traceId: string;
  /** what the trace is: a page ("GET /products") or the batch job ("inventory.sync") */
  scenario: string;
  spans: WireSpan[];
  logs: WireLog[];
  events: WireEvent[];
  taskReports: TaskReport[];
  networkOps: WireNetworkOp[];
  requests: RequestSample[];
  orders: OrderSample[];
}

interface Exception {
  type: string;
  message: string;
  stacktrace: string;
}

type Failure = "db" | "cache" | "payment" | "bug";

interface Plan {
  failure: Failure | undefined;
  slow: boolean;
  notFound: boolean;
}

/** How a handler ended: when, with which status, and the exception behind a 500. */
interface Outcome {
  end: number;
  status: number;
  exception?: Exception;
}

/** A finished span and the exception it failed with, if it did. */
interface Step {
  span: WireSpan;
  exception?: Exception;
}

const stack = (head: string, frames: string[]) => [head, ...frames.map((f) => `    at ${f}`)].join("\n");

class TraceDraft {
  readonly traceId: string;
  readonly spans: WireSpan[] = [];
  readonly logs: WireLog[] = [];
  readonly events: WireEvent[] = [];
  readonly taskReports: TaskReport[] = [];
  readonly networkOps: WireNetworkOp[] = [];
  readonly requests: RequestSample[] = [];
  readonly orders: OrderSample[] = [];
  private readonly hosts: Record<ServiceName, string>;
  /** the storefront page being served, the frame its exceptions' stack traces end in */
  pageSite = "";
  /** the API handler being run, the frame its exceptions' stack traces end in */
  site = "";

  constructor(
    readonly rand: Random,
    private readonly plan: Plan,
  ) {
    this.traceId = rand.id(16);
    this.hosts = {
      frontend: rand.pick(SHOP_SERVICES.frontend.hosts),
      api: rand.pick(SHOP_SERVICES.api.hosts),
      worker: rand.pick(SHOP_SERVICES.worker.hosts),
    };
  }

  /** Whether this request is the one whose `failure` happens here; it happens once. */
  failsWith(failure: Failure): boolean {
    if (this.plan.failure !== failure) return false;
    this.plan.failure = undefined;
    return true;
  }

  /** Whether a failure of this kind is still to come: the path to it must be taken. */
  expects(failure: Failure): boolean {
    return this.plan.failure === failure;
  }

  /** Whether this request's slow query happens here; it happens once. */
  takeSlow(): boolean {
    const slow = this.plan.slow;
    this.plan.slow = false;
    return slow;
  }

  /** Whether the slow query is still to come: the path to it must be taken. */
  get slowPending(): boolean {
    return this.plan.slow;
  }

  get notFound(): boolean {
    return this.plan.notFound;
  }

  span(
    service: ServiceName,
    parent: WireSpan | undefined,
    kind: WireSpan["kind"],
    name: string,
    start: number,
    attributes: Attributes,
  ): WireSpan {
    const span: WireSpan = {
      trace_id: this.traceId,
      span_id: this.rand.id(8),
      ...(parent ? { parent_span_id: parent.span_id } : {}),
      name,
      service_name: service,
      kind,
      start_time: micros(start),
      end_time: micros(start),
      attributes,
      resource_attributes: resourceOf(service, this.hosts[service]),
    };
    this.spans.push(span);
    return span;
  }

  end(span: WireSpan, end: number): number {
    span.end_time = micros(Math.max(end, span.start_time));
    return span.end_time;
  }

  /** Marks a finished span as failed, with the exception event instrumentations record. */
  fail(span: WireSpan, message: string, exception?: Exception): void {
    span.status = { code: "ERROR", message };
    if (exception) {
      span.events = [
        ...(span.events ?? []),
        {
          name: "exception",
          timestamp: span.end_time,
          attributes: {
            "exception.type": exception.type,
            "exception.message": exception.message,
            "exception.stacktrace": exception.stacktrace,
          },
        },
      ];
    }
  }

  log(
    span: WireSpan,
    severity: WireLog["severity"],
    message: string,
    attributes: Attributes = {},
    at = span.end_time,
  ): void {
    this.logs.push({
      timestamp: micros(at),
      severity,
      message,
      service_name: span.service_name,
      trace_id: this.traceId,
      span_id: span.span_id,
      attributes,
      resource_attributes: span.resource_attributes,
    });
  }

  /** Runs a background task on this trace's worker, started by `span`. */
  runTask(name: TaskName, start: number, span: WireSpan, attributes: Attributes) {
    const context: TaskContext = {
      resource: span.resource_attributes,
      processId: workerProcessId(this.hosts.worker),
      traceId: this.traceId,
      spanId: span.span_id,
      attributes,
    };
    const run = runTask(this.rand, name, start, context);
    this.taskReports.push(...run.reports);
    this.networkOps.push(...run.networkOps);
    this.logs.push(...run.logs);
    return run;
  }

  done(scenario: string): ShopTrace {
    return {
      traceId: this.traceId,
      scenario,
      spans: this.spans,
      logs: this.logs,
      events: this.events,
      taskReports: this.taskReports,
      networkOps: this.networkOps,
      requests: this.requests,
      orders: this.orders,
    };
  }
}

// ---- the calls a request makes

interface Query {
  operation: string;
  table: string;
  statement: string;
  /** median and cap of its latency, ms */
  latency: [number, number];
}

function databaseException(t: TraceDraft): Exception {
  const message = t.rand.pick([
    "deadlock detected",
    "canceling statement due to statement timeout",
    "could not serialize access due to concurrent update",
    "remaining connection slots are reserved for roles with the SUPERUSER attribute",
  ]);
  return {
    type: "DatabaseError",
    message,
    stacktrace: stack(`error: ${message}`, [
      "Parser.parseErrorMessage (/app/node_modules/pg-protocol/dist/parser.js:285:98)",
      "Parser.handlePacket (/app/node_modules/pg-protocol/dist/parser.js:122:29)",
      "Socket.<anonymous> (/app/node_modules/pg/lib/connection.js:117:12)",
      `async ${t.site}`,
    ]),
  };
}

/**
 * A postgres query. `slowable`: the query this request's slow call would be; `canFail`: the
 * caller handles this query's failure, so this request's database failure may happen here.
 */
function dbQuery(
  t: TraceDraft,
  parent: WireSpan,
  start: number,
  query: Query,
  options: { slowable?: boolean; canFail?: boolean } = {},
): Step {
  const service = parent.service_name as ServiceName;
  const span = t.span(service, parent, "CLIENT", `${query.operation} ${query.table}`, start, {
    "db.system": "postgresql",
    "db.namespace": "shop",
    "db.operation.name": query.operation,
    "db.collection.name": query.table,
    "db.statement": query.statement,
    "db.user": "shop_app",
    "server.address": "db.internal",
    "server.port": 5432,
    "peer.service": "db",
  });
  const slow = options.slowable === true && t.takeSlow();
  if (options.canFail === true && t.failsWith("db")) {
    const exception = databaseException(t);
    t.end(span, start + t.rand.latency(20, 400));
    span.attributes["error.type"] = exception.type;
    t.fail(span, exception.message, exception);
    return { span, exception };
  }
  t.end(span, start + (slow ? t.rand.between(1000, 2200) : t.rand.latency(...query.latency)));
  if (slow) {
    t.log(span, "WARN", `slow query (${Math.round(span.end_time - span.start_time)} ms): ${query.statement}`, {
      "db.statement": query.statement,
      "db.duration_ms": Math.round(span.end_time - span.start_time),
    });
  }
  return { span };
}

/**
 * A redis command, named in lower case as the ioredis instrumentation does. `canFail`: the caller
 * handles its failure, so this request's cache failure may happen here.
 */
function cacheCall(
  t: TraceDraft,
  parent: WireSpan,
  start: number,
  command: string,
  key: string,
  options: { args?: string; canFail?: boolean } = {},
): Step {
  const service = parent.service_name as ServiceName;
  const span = t.span(service, parent, "CLIENT", command.toLowerCase(), start, {
    "db.system": "redis",
    "db.namespace": "0",
    "db.operation.name": command.toLowerCase(),
    "db.statement": `${command.toLowerCase()} ${key}${options.args ? ` ${options.args}` : ""}`,
    "server.address": "cache.internal",
    "server.port": 6379,
    "peer.service": "cache",
  });
  if (options.canFail === true && t.failsWith("cache")) {
    const exception: Exception = {
      type: "Error",
      message: "Command timed out",
      stacktrace: stack("Error: Command timed out", [
        "Timeout._onTimeout (/app/node_modules/ioredis/built/Command.js:192:33)",
        "listOnTimeout (node:internal/timers:581:17)",
        "process.processTimers (node:internal/timers:519:7)",
        `async ${t.site}`,
      ]),
    };
    t.end(span, start + 500);
    span.attributes["error.type"] = exception.type;
    t.fail(span, exception.message, exception);
    return { span, exception };
  }
  t.end(span, start + t.rand.latency(0.6, 8));
  return { span };
}

/** An outgoing HTTP call to a service outside the traced ones. */
function httpCall(
  t: TraceDraft,
  parent: WireSpan,
  start: number,
  request: {
    method: string;
    host: string;
    port: number;
    path: string;
    scheme: "http" | "https";
    latency: [number, number];
  },
): WireSpan {
  const service = parent.service_name as ServiceName;
  const port = request.port === (request.scheme === "https" ? 443 : 80) ? "" : `:${request.port}`;
  const template = request.path.split("?")[0]!;
  const span = t.span(service, parent, "CLIENT", `${request.method} ${template}`, start, {
    "http.request.method": request.method,
    "url.full": `${request.scheme}://${request.host}${port}${request.path}`,
    "url.template": template,
    "server.address": request.host,
    "server.port": request.port,
    "network.protocol.version": "1.1",
  });
  t.end(span, start + t.rand.latency(...request.latency));
  return span;
}

function internal(
  t: TraceDraft,
  parent: WireSpan,
  start: number,
  name: string,
  latency: [number, number],
  attributes: Attributes = {},
): WireSpan {
  const span = t.span(parent.service_name as ServiceName, parent, "INTERNAL", name, start, attributes);
  t.end(span, start + t.rand.latency(...latency));
  return span;
}

const failed = (step: Step, t: TraceDraft): Outcome | undefined =>
  step.exception
    ? { end: step.span.end_time + t.rand.between(0.2, 2), status: 500, exception: step.exception }
    : undefined;

/** The gap between two calls a handler makes one after the other, ms. */
const gap = (t: TraceDraft) => t.rand.between(0.05, 0.6);

/**
 * A call from the storefront to the API: the frontend's client span and the api's server span,
 * whose handler decides the answer.
 */
function apiCall(
  t: TraceDraft,
  parent: WireSpan,
  start: number,
  request: { method: string; route: string; path: string; handler: string },
  handle: (server: WireSpan, start: number) => Outcome,
): { client: WireSpan; status: number } {
  const url = `http://api.internal:8080${request.path}`;
  const client = t.span("frontend", parent, "CLIENT", `${request.method} ${request.route}`, start, {
    "http.request.method": request.method,
    "url.full": url,
    "url.template": request.route,
    "server.address": "api.internal",
    "server.port": 8080,
    "network.protocol.version": "1.1",
  });
  const [path, query] = request.path.split("?");
  const arrive = start + t.rand.between(0.3, 1.5);
  const server = t.span("api", client, "SERVER", `${request.method} ${request.route}`, arrive, {
    "http.request.method": request.method,
    "http.route": request.route,
    "url.path": path!,
    ...(query ? { "url.query": query } : {}),
    "url.scheme": "http",
    "server.address": "api.internal",
    "server.port": 8080,
    "client.address": `10.42.${t.rand.int(0, 3)}.${t.rand.int(2, 250)}`,
    "network.protocol.version": "1.1",
    "user_agent.original": "node-fetch/3.3.2 (+https://github.com/node-fetch/node-fetch)",
  });
  t.site = `${request.handler} (/app/dist/routes/${request.handler
    .split(".")[0]!
    .replace(/Controller$/, "")
    .toLowerCase()}.js:${t.rand.int(20, 180)}:${t.rand.int(5, 40)})`;
  const outcome = handle(server, arrive + t.rand.between(0.05, 0.4));
  t.end(server, outcome.end + t.rand.between(0.1, 0.8));
  server.attributes["http.response.status_code"] = outcome.status;
  if (outcome.status >= 500) {
    server.attributes["error.type"] = outcome.exception?.type ?? String(outcome.status);
    t.fail(server, outcome.exception?.message ?? "Internal Server Error", outcome.exception);
    t.log(
      server,
      "ERROR",
      `${request.method} ${request.route} failed: ${outcome.exception?.message ?? "Internal Server Error"}`,
      {
        "http.request.method": request.method,
        "http.route": request.route,
        "http.response.status_code": outcome.status,
        ...(outcome.exception
          ? {
              "exception.type": outcome.exception.type,
              "exception.message": outcome.exception.message,
              "exception.stacktrace": outcome.exception.stacktrace,
            }
          : {}),
      },
    );
  }
  t.requests.push({
    service: "api",
    method: request.method,
    route: request.route,
    status: outcome.status,
    start: server.start_time,
    end: server.end_time,
  });
  t.end(client, server.end_time + t.rand.between(0.3, 1.5));
  client.attributes["http.response.status_code"] = outcome.status;
  // an HTTP client counts every 4xx and 5xx answer as an error
  if (outcome.status >= 400) {
    client.attributes["error.type"] = String(outcome.status);
    t.fail(client, `HTTP ${outcome.status}`);
  }
  return { client, status: outcome.status };
}

/** The storefront's answer to a visitor: its server span, the session lookup and the access log. */
function page(
  t: TraceDraft,
  start: number,
  request: { method: string; route: string; path: string; component: string },
  body: (root: WireSpan, start: number) => Outcome,
): void {
  const [path, query] = request.path.split("?");
  const userId = `usr_${t.rand.hex(4)}`;
  const root = t.span("frontend", undefined, "SERVER", `${request.method} ${request.route}`, start, {
    "http.request.method": request.method,
    "http.route": request.route,
    "url.path": path!,
    ...(query ? { "url.query": query } : {}),
    "url.scheme": "https",
    "server.address": "shop.example.com",
    "server.port": 443,
    "client.address": `${t.rand.int(31, 223)}.${t.rand.int(0, 255)}.${t.rand.int(0, 255)}.${t.rand.int(1, 254)}`,
    "network.protocol.version": "2",
    "user_agent.original": t.rand.pick(USER_AGENTS),
    "enduser.id": userId,
  });
  const session = cacheCall(t, root, start + t.rand.between(0.1, 0.8), "GET", `session:${t.rand.hex(12)}`);
  t.pageSite = `${request.component} (/app/.next/server/app${request.route.replace(/\{(\w+)\}/g, "[$1]")}/page.js:1:${t.rand.int(1000, 20000)})`;
  const outcome = body(root, session.span.end_time + gap(t));
  t.end(root, outcome.end + t.rand.between(0.1, 1));
  root.attributes["http.response.status_code"] = outcome.status;
  if (outcome.status >= 500) {
    root.attributes["error.type"] = outcome.exception?.type ?? String(outcome.status);
    t.fail(root, outcome.exception?.message ?? "Internal Server Error", outcome.exception);
  }
  const duration = Math.round(root.end_time - root.start_time);
  t.log(
    root,
    outcome.status >= 500 ? "ERROR" : outcome.status >= 400 ? "WARN" : "INFO",
    `${request.method} ${request.path} ${outcome.status} ${duration} ms`,
    {
      "http.request.method": request.method,
      "http.route": request.route,
      "http.response.status_code": outcome.status,
      duration_ms: duration,
      "enduser.id": userId,
    },
  );
  t.requests.push({
    service: "frontend",
    method: request.method,
    route: request.route,
    status: outcome.status,
    start: root.start_time,
    end: root.end_time,
  });
}

/** What the storefront does when the API failed: render the error page and say why. */
function upstreamFailure(t: TraceDraft, call: { client: WireSpan; status: number }, end: number): Outcome {
  const message = `${call.client.name} answered ${call.status}`;
  return {
    end,
    status: 500,
    exception: {
      type: "ApiError",
      message,
      stacktrace: stack(`ApiError: ${message}`, [
        "apiFetch (/app/.next/server/chunks/lib_api-client.js:1:2841)",
        `async ${t.pageSite}`,
      ]),
    },
  };
}

function render(t: TraceDraft, parent: WireSpan, start: number, component: string): WireSpan {
  return internal(t, parent, start, `render ${component}`, [9, 70]);
}

const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
];
const CATEGORIES = ["shoes", "jackets", "backpacks", "tents", "socks", "headlamps"];
const SEARCHES = [
  "rain jacket",
  "trail running shoes",
  "merino socks",
  "2 person tent",
  "headlamp",
  "hiking boots waterproof",
];
const PAYMENT_METHODS = [
  ["card", 7],
  ["paypal", 2],
  ["apple_pay", 1],
] as const;

const productId = (t: TraceDraft) => t.rand.int(1000, 4999);
const cartKey = (t: TraceDraft) => `cart:${t.rand.hex(6)}`;

// ---- the pages

function productList(t: TraceDraft, start: number): void {
  const category = t.rand.pick(CATEGORIES);
  const pageNumber = t.rand.weighted([
    [1, 6],
    [2, 3],
    [3, 1],
  ] as const);
  page(
    t,
    start,
    {
      method: "GET",
      route: "/products",
      path: `/products?category=${category}&page=${pageNumber}`,
      component: "ProductListPage",
    },
    (root, at) => {
      const list = apiCall(
        t,
        root,
        at,
        {
          method: "GET",
          route: "/api/products",
          path: `/api/products?category=${category}&page=${pageNumber}`,
          handler: "ProductsController.list",
        },
        (api, c) => {
          const key = `products:${category}:${pageNumber}`;
          const cached = cacheCall(t, api, c, "GET", key, { canFail: true });
          const cacheFailure = failed(cached, t);
          if (cacheFailure) return cacheFailure;
          c = cached.span.end_time + gap(t);
          const miss = t.slowPending || t.expects("db") || t.rand.chance(0.3);
          t.log(api, "DEBUG", `cache ${miss ? "miss" : "hit"} for ${key}`, { "cache.key": key, "cache.hit": !miss }, c);
          if (miss) {
            const products = dbQuery(
              t,
              api,
              c,
              {
                operation: "SELECT",
                table: "products",
                statement:
                  "SELECT id, name, price_cents, currency, stock FROM products WHERE category_id = $1 AND active ORDER BY popularity DESC LIMIT 24 OFFSET $2",
                latency: [6, 40],
              },
              { slowable: true, canFail: true },
            );
            const dbFailure = failed(products, t);
            if (dbFailure) return dbFailure;
            c = cacheCall(t, api, products.span.end_time + gap(t), "SET", key, { args: "EX 300" }).span.end_time;
          }
          return { end: c + t.rand.between(0.3, 3), status: 200 };
        },
      );
      // the cart badge in the header loads alongside the list
      const badge = apiCall(
        t,
        root,
        at + t.rand.between(0.1, 1),
        { method: "GET", route: "/api/cart/summary", path: "/api/cart/summary", handler: "CartController.summary" },
        (api, c) => {
          const count = cacheCall(t, api, c, "HLEN", cartKey(t));
          return { end: count.span.end_time + t.rand.between(0.1, 1), status: 200 };
        },
      );
      const loaded = Math.max(list.client.end_time, badge.client.end_time);
      if (list.status >= 500) return upstreamFailure(t, list, loaded + t.rand.between(1, 5));
      return { end: render(t, root, loaded + gap(t), "ProductListPage").end_time, status: 200 };
    },
  );
}

function productDetail(t: TraceDraft, start: number): void {
  const id = productId(t);
  page(
    t,
    start,
    { method: "GET", route: "/products/{id}", path: `/products/${id}`, component: "ProductPage" },
    (root, at) => {
      const product = apiCall(
        t,
        root,
        at,
        { method: "GET", route: "/api/products/{id}", path: `/api/products/${id}`, handler: "ProductsController.show" },
        (api, c) => {
          const key = `product:${id}`;
          const cached = cacheCall(t, api, c, "GET", key);
          c = cached.span.end_time + gap(t);
          const miss = t.notFound || t.slowPending || t.expects("db") || t.rand.chance(0.35);
          t.log(api, "DEBUG", `cache ${miss ? "miss" : "hit"} for ${key}`, { "cache.key": key, "cache.hit": !miss }, c);
          if (miss) {
            const row = dbQuery(
              t,
              api,
              c,
              {
                operation: "SELECT",
                table: "products",
                statement:
                  "SELECT p.*, array_agg(i.url) AS images FROM products p LEFT JOIN product_images i ON i.product_id = p.id WHERE p.id = $1 GROUP BY p.id",
                latency: [3, 30],
              },
              { slowable: true, canFail: true },
            );
            const dbFailure = failed(row, t);
            if (dbFailure) return dbFailure;
            c = row.span.end_time + gap(t);
            if (t.notFound) {
              t.log(api, "WARN", `product ${id} not found`, { "product.id": id, "http.response.status_code": 404 }, c);
              return { end: c + t.rand.between(0.2, 1), status: 404 };
            }
            c = cacheCall(t, api, c, "SET", key, { args: "EX 600" }).span.end_time + gap(t);
          }
          const reviews = dbQuery(t, api, c, {
            operation: "SELECT",
            table: "reviews",
            statement:
              "SELECT rating, title, body, created_at FROM reviews WHERE product_id = $1 ORDER BY created_at DESC LIMIT 10",
            latency: [4, 30],
          });
          c = reviews.span.end_time + gap(t);
          const view = internal(t, api, c, "ProductView.from", [0.6, 6]);
          if (t.failsWith("bug")) {
            const message = "Cannot read properties of undefined (reading 'priceCents')";
            const exception: Exception = {
              type: "TypeError",
              message,
              stacktrace: stack(`TypeError: ${message}`, [
                "ProductView.from (/app/dist/views/product.js:27:41)",
                t.site,
              ]),
            };
            view.attributes["error.type"] = exception.type;
            t.fail(view, message, exception);
            return { end: view.end_time + t.rand.between(0.2, 2), status: 500, exception };
          }
          return { end: view.end_time + t.rand.between(0.2, 2), status: 200 };
        },
      );
      if (product.status >= 500) return upstreamFailure(t, product, product.client.end_time + t.rand.between(1, 5));
      if (product.status === 404)
        return { end: render(t, root, product.client.end_time + gap(t), "NotFoundPage").end_time, status: 404 };
      const recommendations = apiCall(
        t,
        root,
        product.client.end_time + gap(t),
        {
          method: "GET",
          route: "/api/recommendations",
          path: `/api/recommendations?product_id=${id}&limit=8`,
          handler: "RecommendationsController.list",
        },
        (api, c) => {
          const bought = dbQuery(t, api, c, {
            operation: "SELECT",
            table: "order_items",
            statement:
              "SELECT b.product_id, count(*) AS n FROM order_items a JOIN order_items b ON b.order_id = a.order_id AND b.product_id <> a.product_id WHERE a.product_id = $1 GROUP BY 1 ORDER BY n DESC LIMIT 20",
            latency: [9, 60],
          });
          const ranked = internal(t, api, bought.span.end_time + gap(t), "rank recommendations", [1.5, 12], {
            "recommendations.count": 8,
          });
          return { end: ranked.end_time + t.rand.between(0.2, 1), status: 200 };
        },
      );
      return { end: render(t, root, recommendations.client.end_time + gap(t), "ProductPage").end_time, status: 200 };
    },
  );
}

function cart(t: TraceDraft, start: number): void {
  page(t, start, { method: "GET", route: "/cart", path: "/cart", component: "CartPage" }, (root, at) => {
    const key = cartKey(t);
    const items = t.rand.int(1, 6);
    let value = 0;
    const contents = apiCall(
      t,
      root,
      at,
      { method: "GET", route: "/api/cart", path: "/api/cart", handler: "CartController.show" },
      (api, c) => {
        const stored = cacheCall(t, api, c, "HGETALL", key, { canFail: true });
        const cacheFailure = failed(stored, t);
        if (cacheFailure) return cacheFailure;
        const prices = dbQuery(
          t,
          api,
          stored.span.end_time + gap(t),
          {
            operation: "SELECT",
            table: "products",
            statement: "SELECT id, name, price_cents, stock FROM products WHERE id = ANY($1)",
            latency: [3, 25],
          },
          { slowable: true, canFail: true },
        );
        const dbFailure = failed(prices, t);
        if (dbFailure) return dbFailure;
        const totals = internal(t, api, prices.span.end_time + gap(t), "compute cart totals", [0.3, 4], {
          "cart.items": items,
        });
        if (t.failsWith("bug")) {
          const message = "Cannot read properties of null (reading 'rate')";
          const exception: Exception = {
            type: "TypeError",
            message,
            stacktrace: stack(`TypeError: ${message}`, [
              "taxFor (/app/dist/cart/totals.js:58:29)",
              "computeTotals (/app/dist/cart/totals.js:21:17)",
              t.site,
            ]),
          };
          totals.attributes["error.type"] = exception.type;
          t.fail(totals, message, exception);
          return { end: totals.end_time + t.rand.between(0.2, 2), status: 500, exception };
        }
        value = Math.round(items * t.rand.between(12, 140) * 100) / 100;
        t.log(
          api,
          "DEBUG",
          `cart ${key} holds ${items} items worth ${value.toFixed(2)} EUR`,
          { "cart.id": key, "cart.items": items, "cart.value": value },
          totals.end_time,
        );
        return { end: totals.end_time + t.rand.between(0.2, 1), status: 200 };
      },
    );
    if (contents.status >= 500) return upstreamFailure(t, contents, contents.client.end_time + t.rand.between(1, 5));
    const rendered = render(t, root, contents.client.end_time + gap(t), "CartPage");
    if (t.rand.chance(0.08)) {
      // the shop's own analytics: a visitor who looked at a full cart and left
      t.events.push({
        name: "cart.abandoned",
        timestamp: rendered.end_time,
        service_name: "api",
        trace_id: t.traceId,
        span_id: root.span_id,
        attributes: {
          "cart.id": key,
          "cart.items": items,
          "cart.value": value,
          currency: "EUR",
          "enduser.id": String(root.attributes["enduser.id"]),
        },
      });
    }
    return { end: rendered.end_time, status: 200 };
  });
}

function addToCart(t: TraceDraft, start: number): void {
  page(t, start, { method: "POST", route: "/cart/items", path: "/cart/items", component: "addToCart" }, (root, at) => {
    const sku = `SKU-${productId(t)}`;
    const quantity = t.rand.weighted([
      [1, 8],
      [2, 2],
      [3, 1],
    ] as const);
    const added = apiCall(
      t,
      root,
      at,
      { method: "POST", route: "/api/cart/items", path: "/api/cart/items", handler: "CartController.add" },
      (api, c) => {
        const stock = dbQuery(
          t,
          api,
          c,
          {
            operation: "SELECT",
            table: "inventory",
            statement: "SELECT quantity, reserved FROM inventory WHERE sku = $1",
            latency: [2, 20],
          },
          { slowable: true, canFail: true },
        );
        const dbFailure = failed(stock, t);
        if (dbFailure) return dbFailure;
        const key = cartKey(t);
        const stored = cacheCall(t, api, stock.span.end_time + gap(t), "HINCRBY", key, {
          args: `${sku} ${quantity}`,
          canFail: true,
        });
        const cacheFailure = failed(stored, t);
        if (cacheFailure) return cacheFailure;
        const expire = cacheCall(t, api, stored.span.end_time + gap(t), "EXPIRE", key, { args: "604800" });
        t.log(
          api,
          "INFO",
          `added ${quantity} × ${sku} to ${key}`,
          { "cart.id": key, "product.sku": sku, quantity },
          expire.span.end_time,
        );
        return { end: expire.span.end_time + t.rand.between(0.2, 1), status: 201 };
      },
    );
    if (added.status >= 500) return upstreamFailure(t, added, added.client.end_time + t.rand.between(1, 5));
    return { end: added.client.end_time + t.rand.between(0.5, 3), status: 200 };
  });
}

function checkout(t: TraceDraft, start: number): void {
  const orderId = `ord_${t.rand.hex(5)}`;
  const paymentMethod = t.rand.weighted(PAYMENT_METHODS);
  const total = Math.round(t.rand.between(25, 420) * 100) / 100;
  // set when the order made it onto the queue
  const queued: { producer?: WireSpan } = {};
  page(t, start, { method: "POST", route: "/checkout", path: "/checkout", component: "placeOrder" }, (root, at) => {
    const placed = apiCall(
      t,
      root,
      at,
      { method: "POST", route: "/api/checkout", path: "/api/checkout", handler: "CheckoutController.placeOrder" },
      (api, c) => {
        const key = cartKey(t);
        const stored = cacheCall(t, api, c, "HGETALL", key);
        const validated = internal(t, api, stored.span.end_time + gap(t), "validate cart", [0.8, 6]);
        c = validated.end_time + gap(t);
        const locked = dbQuery(t, api, c, {
          operation: "SELECT",
          table: "products",
          statement: "SELECT id, price_cents, stock FROM products WHERE id = ANY($1) FOR UPDATE",
          latency: [3, 25],
        });
        c = locked.span.end_time + gap(t);
        const payment = httpCall(t, api, c, {
          method: "POST",
          host: "payments.example.com",
          port: 443,
          path: "/v1/payment_intents",
          scheme: "https",
          latency: [190, 560],
        });
        if (t.failsWith("payment")) {
          const message = "payments.example.com answered 502 Bad Gateway";
          const exception: Exception = {
            type: "PaymentGatewayError",
            message,
            stacktrace: stack(`PaymentGatewayError: ${message}`, [
              "PaymentsClient.request (/app/dist/payments/client.js:77:13)",
              "async PaymentsClient.authorize (/app/dist/payments/client.js:41:20)",
              `async ${t.site}`,
            ]),
          };
          payment.attributes["http.response.status_code"] = 502;
          payment.attributes["error.type"] = "502";
          t.fail(payment, "HTTP 502");
          return { end: payment.end_time + t.rand.between(0.5, 3), status: 500, exception };
        }
        payment.attributes["http.response.status_code"] = 200;
        c = payment.end_time + gap(t);
        for (const query of CHECKOUT_WRITES) {
          const step = dbQuery(t, api, c, query, { slowable: query.table === "inventory", canFail: true });
          const dbFailure = failed(step, t);
          if (dbFailure) return dbFailure;
          c = step.span.end_time + gap(t);
        }
        const producer = t.span("api", api, "PRODUCER", "publish orders", c, {
          "messaging.system": "rabbitmq",
          "messaging.destination.name": "orders",
          "messaging.operation.type": "publish",
          "messaging.message.id": t.rand.hex(8),
          "server.address": "queue.internal",
          "server.port": 5672,
          "peer.service": "queue",
        });
        c = t.end(producer, c + t.rand.latency(1.2, 9)) + gap(t);
        queued.producer = producer;
        c = cacheCall(t, api, c, "DEL", key).span.end_time;
        t.log(
          api,
          "INFO",
          `order ${orderId} created: ${total.toFixed(2)} EUR by ${paymentMethod}`,
          { "order.id": orderId, "order.total": total, currency: "EUR", "payment.method": paymentMethod },
          c,
        );
        t.orders.push({ time: c, paymentMethod });
        return { end: c + t.rand.between(0.3, 2), status: 201 };
      },
    );
    if (placed.status >= 500) return upstreamFailure(t, placed, placed.client.end_time + t.rand.between(1, 5));
    // the browser follows the redirect to the order confirmation page
    return { end: placed.client.end_time + t.rand.between(0.5, 3), status: 303 };
  });
  if (queued.producer) orderWorker(t, queued.producer, orderId, paymentMethod);
}

const CHECKOUT_WRITES: Query[] = [
  {
    operation: "INSERT",
    table: "orders",
    statement: "INSERT INTO orders (id, user_id, total_cents, currency, status) VALUES ($1, $2, $3, $4, 'placed')",
    latency: [3, 20],
  },
  {
    operation: "INSERT",
    table: "order_items",
    statement:
      "INSERT INTO order_items (order_id, product_id, quantity, price_cents) SELECT $1, unnest($2::int[]), unnest($3::int[]), unnest($4::int[])",
    latency: [3, 25],
  },
  {
    operation: "UPDATE",
    table: "inventory",
    statement: "UPDATE inventory SET reserved = reserved + $2 WHERE sku = $1 AND quantity - reserved >= $2",
    latency: [3, 30],
  },
];

/** The worker takes the order off the queue after the visitor already has the answer. */
function orderWorker(t: TraceDraft, producer: WireSpan, orderId: string, paymentMethod: string): void {
  const consumer = t.span(
    "worker",
    producer,
    "CONSUMER",
    "process orders",
    producer.end_time + t.rand.latency(15, 400),
    {
      "messaging.system": "rabbitmq",
      "messaging.destination.name": "orders",
      "messaging.operation.type": "process",
      "messaging.message.id": String(producer.attributes["messaging.message.id"]),
      "messaging.consumer.group.name": "order-workers",
      "order.id": orderId,
    },
  );
  t.site = `OrderConsumer.handle (/app/dist/consumers/orders.js:${t.rand.int(20, 90)}:9)`;
  t.log(consumer, "INFO", `processing order ${orderId}`, { "order.id": orderId }, consumer.start_time);
  let c = consumer.start_time + t.rand.between(0.2, 1);
  c =
    dbQuery(t, consumer, c, {
      operation: "SELECT",
      table: "orders",
      statement: "SELECT * FROM orders WHERE id = $1",
      latency: [2, 15],
    }).span.end_time + gap(t);
  const reservation = httpCall(t, consumer, c, {
    method: "POST",
    host: "inventory.internal",
    port: 8080,
    path: "/v1/reservations",
    scheme: "http",
    latency: [35, 300],
  });
  reservation.attributes["http.response.status_code"] = 201;
  c = reservation.end_time + gap(t);
  c = dbQuery(t, consumer, c, {
    operation: "UPDATE",
    table: "orders",
    statement: "UPDATE orders SET status = 'confirmed', updated_at = now() WHERE id = $1",
    latency: [2, 15],
  }).span.end_time;
  t.end(consumer, c + t.rand.between(0.2, 2));
  t.log(consumer, "INFO", `order ${orderId} confirmed`, { "order.id": orderId });

  const attributes = { "order.id": orderId, "payment.method": paymentMethod };
  const processing = t.runTask("order.process", consumer.start_time, consumer, attributes);
  if (processing.status === "failed") return;
  const followUp = processing.end + t.rand.between(1, 20);
  t.runTask("payment.capture", followUp, consumer, attributes);
  t.runTask("email.send", followUp + t.rand.between(0.5, 5), consumer, {
    ...attributes,
    "email.template": "order-confirmation",
  });
}

function search(t: TraceDraft, start: number): void {
  const q = t.rand.pick(SEARCHES);
  const encoded = encodeURIComponent(q).replace(/%20/g, "+");
  page(
    t,
    start,
    { method: "GET", route: "/search", path: `/search?q=${encoded}`, component: "SearchPage" },
    (root, at) => {
      const results = apiCall(
        t,
        root,
        at,
        {
          method: "GET",
          route: "/api/search",
          path: `/api/search?q=${encoded}&limit=24`,
          handler: "SearchController.query",
        },
        (api, c) => {
          const key = `search:${q}`;
          const cached = cacheCall(t, api, c, "GET", key);
          c = cached.span.end_time + gap(t);
          const miss = t.slowPending || t.expects("db") || t.rand.chance(0.6);
          t.log(api, "DEBUG", `cache ${miss ? "miss" : "hit"} for ${key}`, { "cache.key": key, "cache.hit": !miss }, c);
          if (miss) {
            const found = dbQuery(
              t,
              api,
              c,
              {
                operation: "SELECT",
                table: "products",
                statement:
                  "SELECT id, name, price_cents, ts_rank(search_vector, q) AS rank FROM products, plainto_tsquery('english', $1) q WHERE search_vector @@ q ORDER BY rank DESC LIMIT 24",
                latency: [12, 90],
              },
              { slowable: true, canFail: true },
            );
            const dbFailure = failed(found, t);
            if (dbFailure) return dbFailure;
            c = cacheCall(t, api, found.span.end_time + gap(t), "SET", key, { args: "EX 120" }).span.end_time;
          }
          return { end: c + t.rand.between(0.3, 3), status: 200 };
        },
      );
      if (results.status >= 500) return upstreamFailure(t, results, results.client.end_time + t.rand.between(1, 5));
      return { end: render(t, root, results.client.end_time + gap(t), "SearchPage").end_time, status: 200 };
    },
  );
}

interface PageKind {
  scenario: string;
  weight: number;
  /** the failures the page's code path can run into */
  failures: Failure[];
  notFound?: boolean;
  generate: (t: TraceDraft, start: number) => void;
}

const PAGES: PageKind[] = [
  { scenario: "GET /products", weight: 34, failures: ["cache", "db"], generate: productList },
  { scenario: "GET /products/{id}", weight: 26, failures: ["db", "bug"], notFound: true, generate: productDetail },
  { scenario: "GET /cart", weight: 14, failures: ["cache", "db", "bug"], generate: cart },
  { scenario: "POST /cart/items", weight: 10, failures: ["db", "cache"], generate: addToCart },
  { scenario: "POST /checkout", weight: 8, failures: ["db", "payment"], generate: checkout },
  { scenario: "GET /search", weight: 8, failures: ["db"], generate: search },
];

/** The nightly-style inventory sync, run every few minutes here: one trace of ~200 spans. */
function inventorySync(t: TraceDraft, start: number): void {
  const root = t.span("worker", undefined, "INTERNAL", "inventory.sync", start, {
    "job.name": "inventory.sync",
    "job.trigger": "cron",
    "job.schedule": "*/15 * * * *",
  });
  t.site = "InventorySync.run (/app/dist/jobs/inventory-sync.js:64:11)";
  t.log(root, "INFO", "inventory sync started", { "job.name": "inventory.sync" }, start);
  let c = start + t.rand.between(0.5, 3);
  const pages = t.rand.int(8, 11);
  let updated = 0;
  for (let p = 1; p <= pages; p++) {
    const fetched = httpCall(t, root, c, {
      method: "GET",
      host: "inventory.internal",
      port: 8080,
      path: `/v1/stock?page=${p}&per_page=20`,
      scheme: "http",
      latency: [45, 300],
    });
    fetched.attributes["http.response.status_code"] = 200;
    c = fetched.end_time + gap(t);
    const skus = p === pages ? t.rand.int(5, 20) : 20;
    for (let i = 0; i < skus; i++) {
      c =
        dbQuery(t, root, c, {
          operation: "UPDATE",
          table: "inventory",
          statement: "UPDATE inventory SET quantity = $2, synced_at = now() WHERE sku = $1",
          latency: [0.9, 6],
        }).span.end_time + gap(t);
      updated += 1;
    }
    if (t.rand.chance(0.15))
      t.log(
        root,
        "WARN",
        `SKU-${productId(t)} is unknown to the catalogue; skipped`,
        { "job.name": "inventory.sync", "inventory.page": p },
        c,
      );
  }
  c = cacheCall(t, root, c, "UNLINK", "products:*").span.end_time;
  t.end(root, c + t.rand.between(0.5, 3));
  t.log(root, "INFO", `inventory sync updated ${updated} SKUs in ${Math.round(root.end_time - start)} ms`, {
    "job.name": "inventory.sync",
    "inventory.updated": updated,
  });
  t.runTask("inventory.sync", start, root, { "job.name": "inventory.sync" });
}

/** One visitor request, or now and then the batch job, starting at `start` (epoch ms). */
export function generateTrace(rand: Random, start: number): ShopTrace {
  if (rand.chance(BATCH_JOB_RATE)) {
    const t = new TraceDraft(rand, { failure: undefined, slow: false, notFound: false });
    inventorySync(t, start);
    return t.done("inventory.sync");
  }
  const kind = rand.weighted(PAGES.map((p) => [p, p.weight] as const));
  // one thing goes wrong at most: a failure, a slow query or a missing product
  const roll = rand.float();
  const plan: Plan = {
    failure: roll < ERROR_RATE ? rand.pick(kind.failures) : undefined,
    slow: roll >= ERROR_RATE && roll < ERROR_RATE + SLOW_RATE,
    notFound:
      kind.notFound === true && roll >= ERROR_RATE + SLOW_RATE && roll < ERROR_RATE + SLOW_RATE + NOT_FOUND_RATE,
  };
  const t = new TraceDraft(rand, plan);
  kind.generate(t, start);
  return t.done(kind.scenario);
}

/** A release of one of the services, as the deploy pipeline announces it. */
export function deployEvent(rand: Random, time: number): WireEvent {
  const service = rand.weighted([
    ["api", 5],
    ["frontend", 3],
    ["worker", 2],
  ] as const);
  return {
    name: "deploy",
    timestamp: micros(time),
    service_name: service,
    attributes: {
      "service.version": SHOP_SERVICES[service].version,
      "service.previous_version": SHOP_SERVICES[service].previousVersion,
      "deployment.environment": "production",
      "vcs.ref.head.revision": rand.hex(20),
      "deployment.triggered_by": rand.pick(["github-actions", "argo-rollouts", "maria.k"]),
      "deployment.strategy": "rolling",
    },
  };
}
