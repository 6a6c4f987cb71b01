// Next refuses to bundle server-only modules for the browser (db/ is marked too). Its server layers resolve the
// marker to an empty module, and so does the rest of the server code that runs outside Next: the CLIs run under
// `tsx --conditions=react-server` (package.json's scripts), the tests alias it (vitest.config.ts).
import "server-only";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

/** Empty strings in the environment mean "unset". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

/** The longest retention accepted: ten years. */
export const MAX_RETENTION_DAYS = 3650;
const RetentionDays = z.coerce.number().int().min(1).max(MAX_RETENTION_DAYS);
const PostgresUrl = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL");
const isNetwork = (entry: string) => {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  return (
    family !== 0 &&
    rest.length === 0 &&
    (prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)))
  );
};
const AllowedNetworks = z
  .string()
  .transform((v) => v.trim())
  .transform((v) =>
    ["true", "1"].includes(v)
      ? true
      : ["false", "0"].includes(v)
        ? false
        : v
            .split(",")
            .map((e) => e.trim())
            .filter(Boolean),
  )
  .refine(
    (v) => typeof v === "boolean" || v.every(isNetwork),
    "must be true, false, or a comma-separated list of IP addresses and CIDR blocks (10.0.0.0/8, fd00::/8)",
  );
const NetworkList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean),
  )
  .refine(
    (v) => v.every(isNetwork),
    "must be a comma-separated list of IP addresses and CIDR blocks, IPv4 or IPv6 (127.0.0.1,10.0.0.0/8,fd00::/8)",
  );
const SecretKey = z
  .string()
  .trim()
  .refine(
    (v) => /^[0-9a-f]{64}$/i.test(v) || (/^[A-Za-z0-9+/_-]{43}=?$/.test(v) && Buffer.from(v, "base64").length === 32),
    "must be 32 bytes: 64 hex digits or 44 characters of base64 (openssl rand -base64 32)",
  );

const Env = z.object({
  PORT: optional(z.coerce.number().int().min(1).max(65535)),
  DATABASE_URL: optional(PostgresUrl),
  /** a streaming replica of DATABASE_URL that the query endpoints read */
  DATABASE_READ_URL: optional(PostgresUrl),
  /** replica lag past which queries read the primary instead */
  TRACEDECK_REPLICA_MAX_LAG_MS: optional(z.coerce.number().int().min(100).max(3_600_000)),
  TRACEDECK_DATA_DIR: optional(z.string()),
  /** largest request body accepted, after decompression */
  TRACEDECK_MAX_BODY_BYTES: optional(z.coerce.number().int().positive()),
  /** postgres.js pool size */
  TRACEDECK_DB_POOL: optional(z.coerce.number().int().min(1).max(100)),
  /** connections of the query API's own pool on Postgres, apart from ingest, sign-in and settings */
  TRACEDECK_QUERY_POOL: optional(z.coerce.number().int().min(1).max(100)),
  /** longest a query-API statement may run on Postgres before it is stopped */
  TRACEDECK_QUERY_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(3_600_000)),
  /** the first admin, created at start when no account exists */
  TRACEDECK_ADMIN_EMAIL: optional(z.string()),
  TRACEDECK_ADMIN_PASSWORD: optional(z.string()),
  /** ingest transactions in flight at once on Postgres */
  TRACEDECK_INGEST_CONCURRENCY: optional(z.coerce.number().int().min(1).max(16)),
  /** server-side publishers to create or update at start: a JSON array of { project?, name, type, config, enabled? } */
  TRACEDECK_PUBLISHERS: optional(z.string()),
  /** milliseconds between publisher config re-reads and status writes */
  TRACEDECK_PUBLISHER_INTERVAL_MS: optional(z.coerce.number().int().min(50).max(600_000)),
  /** check every API answer against its endpoint's response schema (default: outside production) */
  TRACEDECK_CHECK_ANSWERS: optional(z.enum(["true", "false", "1", "0"])),
  NODE_ENV: optional(z.string()),
  /** days of each signal kept, until an admin sets them in Settings (`GET/PATCH /api/v1/retention`) */
  TRACEDECK_RETENTION_TRACES: optional(RetentionDays),
  TRACEDECK_RETENTION_LOGS: optional(RetentionDays),
  TRACEDECK_RETENTION_EVENTS: optional(RetentionDays),
  TRACEDECK_RETENTION_METRICS: optional(RetentionDays),
  TRACEDECK_RETENTION_PIPELINE: optional(RetentionDays),
  TRACEDECK_RETENTION_ROLLUPS: optional(RetentionDays),
  /** milliseconds between storage maintenance passes (partitions ahead, retention) */
  TRACEDECK_MAINTENANCE_INTERVAL_MS: optional(z.coerce.number().int().min(1000).max(3_600_000)),
  /** milliseconds between rollup passes (the marked minutes computed again) */
  TRACEDECK_ROLLUP_INTERVAL_MS: optional(z.coerce.number().int().min(100).max(60_000)),
  /** milliseconds between alert passes: each rule is evaluated once a minute, and due notifications are sent */
  TRACEDECK_ALERT_INTERVAL_MS: optional(z.coerce.number().int().min(100).max(60_000)),
  /** the first wait before a failed alert notification is sent again; it doubles with each attempt */
  TRACEDECK_ALERT_RETRY_MS: optional(z.coerce.number().int().min(10).max(3_600_000)),
  /** the dashboard's address as people open it, for the links in alert notifications (default: http://localhost:PORT) */
  TRACEDECK_PUBLIC_URL: optional(z.url({ protocol: /^https?$/ })),
  /** publishers may send to loopback, link-local and private addresses: true, or a comma-separated list of addresses and CIDR blocks */
  TRACEDECK_ALLOW_PRIVATE_TARGETS: optional(AllowedNetworks),
  /** the key publisher credentials are encrypted with at rest: 32 bytes as 64 hex digits or base64 */
  TRACEDECK_SECRET_KEY: optional(SecretKey),
  /** the reverse proxies whose X-Forwarded-For says who their client is: addresses and CIDR blocks */
  TRACEDECK_TRUSTED_PROXIES: optional(NetworkList),
  /** days a dashboard session may go unused before it ends (it ends 30 days after sign-in in any case) */
  TRACEDECK_SESSION_IDLE_DAYS: optional(z.coerce.number().int().min(1).max(30)),
  /** ingest requests taken in at once (read, parsed, written); past it, or past the bytes below, 429 */
  TRACEDECK_INGEST_MAX_REQUESTS: optional(z.coerce.number().int().min(1).max(10_000)),
  /** bytes of ingest request bodies taken in at once, besides one large request */
  TRACEDECK_INGEST_MAX_BYTES: optional(
    z.coerce
      .number()
      .int()
      .min(1024 * 1024),
  ),
  /**
   * the server's JavaScript heap in MiB (Node's --max-old-space-size): V8 collects garbage sooner as the heap nears
   * it, so the server's memory stays near what it holds rather than growing with what ingest allocates
   */
  TRACEDECK_MAX_HEAP_MB: optional(z.coerce.number().int().min(256).max(1_048_576)),
  /** the OTLP/gRPC receiver's port (0: none) */
  TRACEDECK_OTLP_GRPC_PORT: optional(z.coerce.number().int().min(0).max(65535)),
  /** the OTLP/HTTP listener's port, besides /v1/* on the main port (0: none) */
  TRACEDECK_OTLP_HTTP_PORT: optional(z.coerce.number().int().min(0).max(65535)),
  /** the address the OTLP ports listen on (default: the main server's, else every interface) */
  TRACEDECK_OTLP_HOST: optional(z.string().min(1)),
  /** PEM files of a certificate and its key: the OTLP ports then speak TLS */
  TRACEDECK_TLS_CERT: optional(z.string().min(1)),
  TRACEDECK_TLS_KEY: optional(z.string().min(1)),
});

/** Combinations no variable can check on its own. */
const CheckedEnv = Env.refine((env) => !env.DATABASE_READ_URL || env.DATABASE_URL, {
  path: ["DATABASE_READ_URL"],
  message: "needs DATABASE_URL: a replica streams from a Postgres server, and the embedded store (PGlite) has none",
}).refine((env) => !env.TRACEDECK_TLS_CERT === !env.TRACEDECK_TLS_KEY, {
  path: ["TRACEDECK_TLS_CERT"],
  message: "TRACEDECK_TLS_CERT and TRACEDECK_TLS_KEY go together: a certificate and its private key",
});

export interface Config {
  port: number;
  databaseUrl: string | undefined;
  /** set only with databaseUrl */
  databaseReadUrl: string | undefined;
  replicaMaxLagMs: number;
  dataDir: string;
  maxBodyBytes: number;
  dbPoolSize: number;
  queryPoolSize: number;
  queryTimeoutMs: number;
  ingestConcurrency: number;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  publishers: string | undefined;
  publisherIntervalMs: number;
  checkAnswers: boolean;
  /** retention defaults from the environment, in days, by signal */
  retention: {
    traces?: number;
    logs?: number;
    events?: number;
    metrics?: number;
    pipeline?: number;
    rollups?: number;
  };
  maintenanceIntervalMs: number;
  rollupIntervalMs: number;
  alertIntervalMs: number;
  alertRetryMs: number;
  /** where people open the dashboard, without a trailing slash */
  publicUrl: string;
  /** private addresses publishers may send to: all (true), none (false), or these addresses and CIDR blocks */
  allowPrivateTargets: boolean | string[];
  /** the key publisher credentials are encrypted with, as given; unset: a key file in the data directory */
  secretKey: string | undefined;
  /** addresses and CIDR blocks of the reverse proxies trusted to name the client in X-Forwarded-For */
  trustedProxies: string[];
  sessionIdleDays: number;
  /** admission control of ingest: requests and body bytes taken in at once */
  ingestMaxRequests: number;
  ingestMaxBytes: number;
  /** the server's JavaScript heap in MiB, when set (scripts/serve-command.ts has the default) */
  maxHeapMb: number | undefined;
  /** OTLP/gRPC and OTLP/HTTP listener ports (0: none), where they listen, and their TLS files */
  otlpGrpcPort: number;
  otlpHttpPort: number;
  otlpHost: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
}

let cached: Config | undefined;

/** The settings an environment describes; throws saying which variables are wrong. */
export function parseConfig(environment: Record<string, string | undefined>): Config {
  const parsed = CheckedEnv.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid environment: ${problems}`);
  }
  const env = parsed.data;
  return {
    port: env.PORT ?? 3000,
    databaseUrl: env.DATABASE_URL,
    databaseReadUrl: env.DATABASE_READ_URL,
    replicaMaxLagMs: env.TRACEDECK_REPLICA_MAX_LAG_MS ?? 5000,
    dataDir: path.resolve(/*turbopackIgnore: true*/ env.TRACEDECK_DATA_DIR ?? ".data"),
    maxBodyBytes: env.TRACEDECK_MAX_BODY_BYTES ?? 20 * 1024 * 1024,
    dbPoolSize: env.TRACEDECK_DB_POOL ?? 10,
    queryPoolSize: env.TRACEDECK_QUERY_POOL ?? 5,
    queryTimeoutMs: env.TRACEDECK_QUERY_TIMEOUT_MS ?? 30_000,
    ingestConcurrency: env.TRACEDECK_INGEST_CONCURRENCY ?? 2,
    adminEmail: env.TRACEDECK_ADMIN_EMAIL,
    adminPassword: env.TRACEDECK_ADMIN_PASSWORD,
    publishers: env.TRACEDECK_PUBLISHERS,
    publisherIntervalMs: env.TRACEDECK_PUBLISHER_INTERVAL_MS ?? 5000,
    checkAnswers: env.TRACEDECK_CHECK_ANSWERS
      ? ["true", "1"].includes(env.TRACEDECK_CHECK_ANSWERS)
      : env.NODE_ENV !== "production",
    retention: {
      traces: env.TRACEDECK_RETENTION_TRACES,
      logs: env.TRACEDECK_RETENTION_LOGS,
      events: env.TRACEDECK_RETENTION_EVENTS,
      metrics: env.TRACEDECK_RETENTION_METRICS,
      pipeline: env.TRACEDECK_RETENTION_PIPELINE,
      rollups: env.TRACEDECK_RETENTION_ROLLUPS,
    },
    maintenanceIntervalMs: env.TRACEDECK_MAINTENANCE_INTERVAL_MS ?? 5 * 60_000,
    rollupIntervalMs: env.TRACEDECK_ROLLUP_INTERVAL_MS ?? 10_000,
    alertIntervalMs: env.TRACEDECK_ALERT_INTERVAL_MS ?? 10_000,
    alertRetryMs: env.TRACEDECK_ALERT_RETRY_MS ?? 30_000,
    publicUrl: (env.TRACEDECK_PUBLIC_URL ?? `http://localhost:${env.PORT ?? 3000}`).replace(/\/+$/, ""),
    allowPrivateTargets: env.TRACEDECK_ALLOW_PRIVATE_TARGETS ?? false,
    secretKey: env.TRACEDECK_SECRET_KEY,
    trustedProxies: env.TRACEDECK_TRUSTED_PROXIES ?? [],
    sessionIdleDays: env.TRACEDECK_SESSION_IDLE_DAYS ?? 7,
    ingestMaxRequests: env.TRACEDECK_INGEST_MAX_REQUESTS ?? 64,
    ingestMaxBytes: env.TRACEDECK_INGEST_MAX_BYTES ?? 32 * 1024 * 1024,
    maxHeapMb: env.TRACEDECK_MAX_HEAP_MB,
    otlpGrpcPort: env.TRACEDECK_OTLP_GRPC_PORT ?? 4317,
    otlpHttpPort: env.TRACEDECK_OTLP_HTTP_PORT ?? 4318,
    otlpHost: env.TRACEDECK_OTLP_HOST,
    tls:
      env.TRACEDECK_TLS_CERT && env.TRACEDECK_TLS_KEY
        ? { certFile: env.TRACEDECK_TLS_CERT, keyFile: env.TRACEDECK_TLS_KEY }
        : undefined,
  };
}

/** The validated environment; the only reader of process.env. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
