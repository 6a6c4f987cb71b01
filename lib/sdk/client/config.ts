import { readFile } from "node:fs/promises";
import { ConfigError } from "./errors";

export interface ConfigOptions {
  /** Where Tracedeck listens, e.g. `https://tracedeck.example.com`. */
  endpoint: string;
  keyId: string | undefined;
  keySecret: string | undefined;
  /** Send OAuth access tokens from this token endpoint instead of the key itself. */
  oauthTokenUrl: string | undefined;
  /** Scopes to ask the token endpoint for. */
  oauthScopes: string[];
  /** Given to events, metrics and logs sent without a service name of their own. */
  serviceName: string | undefined;
  /** Per request attempt. */
  timeoutMs: number;
  compression: boolean;
  /** Bodies smaller than this are sent as they are: gzip costs more than it saves on a few hundred bytes. */
  compressionThresholdBytes: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The batch processors of `TracedeckClient.createBatchProcessor`: items per request, … */
  batchSize: number;
  /** … the longest an item waits before it is sent, … */
  flushIntervalMs: number;
  /** … and the most items held while the server is slow or away. */
  maxQueueSize: number;
  /** What the client logs (retries, dropped and refused items): the reference client's levels, WARNING by default. */
  logLevel: LogLevel;
  /** Settings of your own that travel with the configuration. */
  extra: Record<string, unknown>;
}

/** The reference client's log levels, least to most severe. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_CONFIG: Readonly<ConfigOptions> = Object.freeze({
  endpoint: "http://localhost:3000",
  keyId: undefined,
  keySecret: undefined,
  oauthTokenUrl: undefined,
  oauthScopes: [],
  serviceName: undefined,
  timeoutMs: 30_000,
  compression: true,
  compressionThresholdBytes: 1024,
  maxRetries: 3,
  batchSize: 512,
  flushIntervalMs: 5_000,
  maxQueueSize: 10_000,
  logLevel: "WARNING",
  extra: {},
});

const KEYS = Object.keys(DEFAULT_CONFIG) as (keyof ConfigOptions)[];
const COUNTS: (keyof ConfigOptions)[] = ["maxRetries", "compressionThresholdBytes"];
const POSITIVE: (keyof ConfigOptions)[] = ["timeoutMs", "batchSize", "flushIntervalMs", "maxQueueSize"];
const OPTIONAL_TEXT: (keyof ConfigOptions)[] = ["keyId", "keySecret", "oauthTokenUrl", "serviceName"];

/** `host:port` (as the reference SDK's endpoint variable is often written) gets a scheme: http on this machine, https elsewhere. */
function withScheme(endpoint: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) return endpoint;
  return /^(localhost|127\.|\[::1\])/.test(endpoint) ? `http://${endpoint}` : `https://${endpoint}`;
}

/** Checks every field and says which ones are wrong, all at once. */
function validate(options: ConfigOptions): ConfigOptions {
  const problems: string[] = [];
  let endpoint = options.endpoint;
  try {
    const url = new URL(withScheme(String(endpoint)));
    if (url.protocol !== "http:" && url.protocol !== "https:")
      problems.push(`endpoint must be http or https, not ${url.protocol}`);
    endpoint = url.toString().replace(/\/+$/, "");
  } catch {
    problems.push(`endpoint is not a URL: ${String(endpoint)}`);
  }
  for (const key of COUNTS) {
    const v = options[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
      problems.push(`${key} must be a whole number ≥ 0, not ${JSON.stringify(v)}`);
  }
  for (const key of POSITIVE) {
    const v = options[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
      problems.push(`${key} must be a number > 0, not ${JSON.stringify(v)}`);
  }
  for (const key of OPTIONAL_TEXT) {
    const v = options[key];
    if (v !== undefined && (typeof v !== "string" || v === "")) problems.push(`${key} must be a non-empty string`);
  }
  if (typeof options.compression !== "boolean") problems.push("compression must be true or false");
  const logLevel = String(options.logLevel).toUpperCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`logLevel must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(options.logLevel)}`);
  if (!Array.isArray(options.oauthScopes) || options.oauthScopes.some((s) => typeof s !== "string"))
    problems.push("oauthScopes must be a list of strings");
  if (typeof options.extra !== "object" || options.extra === null || Array.isArray(options.extra))
    problems.push("extra must be an object");
  if ((options.keyId === undefined) !== (options.keySecret === undefined))
    problems.push("keyId and keySecret go together: give both or neither");
  if (options.batchSize > options.maxQueueSize) problems.push("batchSize must not exceed maxQueueSize");
  if (problems.length > 0) throw new ConfigError(`invalid Tracedeck configuration: ${problems.join("; ")}`);
  return { ...options, endpoint, logLevel };
}

const camelCase = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A value set by a variable: unset and empty are the same, as a blank line in a .env file means. */
function readEnv(env: Record<string, string | undefined>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function envNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = readEnv(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ConfigError(`${name} must be a number, not ${JSON.stringify(raw)}`);
  return n;
}

function envBoolean(env: Record<string, string | undefined>, name: string): boolean | undefined {
  const raw = readEnv(env, name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, not ${JSON.stringify(raw)}`);
}

/** `tfk_…:tfs_…` as keyId and keySecret. */
function keyParts(apiKey: string): { keyId: string; keySecret: string } {
  const colon = apiKey.indexOf(":");
  if (colon < 0) throw new ConfigError("apiKey is written key_id:key_secret (tfk_…:tfs_…)");
  return { keyId: apiKey.slice(0, colon).trim(), keySecret: apiKey.slice(colon + 1).trim() };
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The client's settings, validated when built: a bad value fails at start-up with every problem
 * named, instead of surfacing as a failed send later. Immutable; `merge` returns a new one.
 */
export class Config implements Readonly<ConfigOptions> {
  readonly endpoint!: string;
  readonly keyId!: string | undefined;
  readonly keySecret!: string | undefined;
  readonly oauthTokenUrl!: string | undefined;
  readonly oauthScopes!: string[];
  readonly serviceName!: string | undefined;
  readonly timeoutMs!: number;
  readonly compression!: boolean;
  readonly compressionThresholdBytes!: number;
  readonly maxRetries!: number;
  readonly batchSize!: number;
  readonly flushIntervalMs!: number;
  readonly maxQueueSize!: number;
  readonly logLevel!: LogLevel;
  readonly extra!: Record<string, unknown>;

  /** `apiKey`: the key as one string, `tfk_…:tfs_…` (the reference's api_key), in place of keyId and keySecret. */
  constructor(options: Partial<ConfigOptions> & { apiKey?: string } = {}) {
    const { apiKey, ...rest } = options;
    Object.assign(this, validate({ ...DEFAULT_CONFIG, ...defined(rest), ...(apiKey ? keyParts(apiKey) : {}) }));
    Object.freeze(this);
  }

  /**
   * Reads `TRACEDECK_*` variables; the reference SDK's `TELEMETRYFLOW_*` names are read when the
   * Tracedeck ones are unset, so an application moving over keeps its deployment settings.
   * - TRACEDECK_ENDPOINT (or TRACEDECK_URL, TELEMETRYFLOW_ENDPOINT)
   * - TRACEDECK_KEY_ID / TRACEDECK_KEY_SECRET (or TELEMETRYFLOW_API_KEY_ID / _SECRET), or TRACEDECK_API_KEY=`id:secret`
   * - TRACEDECK_OAUTH_TOKEN_URL, TRACEDECK_OAUTH_SCOPES (space- or comma-separated)
   * - TRACEDECK_SERVICE_NAME (or TELEMETRYFLOW_SERVICE_NAME, OTEL_SERVICE_NAME)
   * - TRACEDECK_TIMEOUT_MS, TRACEDECK_COMPRESSION, TRACEDECK_COMPRESSION_THRESHOLD_BYTES, TRACEDECK_MAX_RETRIES,
   *   TRACEDECK_BATCH_SIZE, TRACEDECK_FLUSH_INTERVAL_MS, TRACEDECK_MAX_QUEUE_SIZE
   * - TRACEDECK_LOG_LEVEL (or TELEMETRYFLOW_LOG_LEVEL): DEBUG, INFO, WARNING, ERROR or CRITICAL
   */
  static fromEnv(env: Record<string, string | undefined> = process.env): Config {
    const apiKey = readEnv(env, "TRACEDECK_API_KEY");
    const colon = apiKey?.indexOf(":") ?? -1;
    if (apiKey !== undefined && colon < 0)
      throw new ConfigError("TRACEDECK_API_KEY is written key_id:key_secret (tfk_…:tfs_…)");
    const scopes = readEnv(env, "TRACEDECK_OAUTH_SCOPES");
    return new Config({
      endpoint: readEnv(env, "TRACEDECK_ENDPOINT", "TRACEDECK_URL", "TELEMETRYFLOW_ENDPOINT"),
      keyId: readEnv(env, "TRACEDECK_KEY_ID", "TELEMETRYFLOW_API_KEY_ID") ?? apiKey?.slice(0, colon),
      keySecret: readEnv(env, "TRACEDECK_KEY_SECRET", "TELEMETRYFLOW_API_KEY_SECRET") ?? apiKey?.slice(colon + 1),
      oauthTokenUrl: readEnv(env, "TRACEDECK_OAUTH_TOKEN_URL"),
      oauthScopes: scopes?.split(/[\s,]+/).filter(Boolean),
      serviceName: readEnv(env, "TRACEDECK_SERVICE_NAME", "TELEMETRYFLOW_SERVICE_NAME", "OTEL_SERVICE_NAME"),
      timeoutMs: envNumber(env, "TRACEDECK_TIMEOUT_MS"),
      compression: envBoolean(env, "TRACEDECK_COMPRESSION"),
      compressionThresholdBytes: envNumber(env, "TRACEDECK_COMPRESSION_THRESHOLD_BYTES"),
      maxRetries: envNumber(env, "TRACEDECK_MAX_RETRIES"),
      batchSize: envNumber(env, "TRACEDECK_BATCH_SIZE"),
      flushIntervalMs: envNumber(env, "TRACEDECK_FLUSH_INTERVAL_MS"),
      maxQueueSize: envNumber(env, "TRACEDECK_MAX_QUEUE_SIZE"),
      logLevel: readEnv(env, "TRACEDECK_LOG_LEVEL", "TELEMETRYFLOW_LOG_LEVEL") as LogLevel | undefined,
    });
  }

  /**
   * A JSON file of the same settings, keys in camelCase or snake_case (`key_id`, `timeout_ms`).
   * An unknown key is an error rather than ignored: a misspelt setting would otherwise silently
   * keep its default. Settings of your own go under `extra`.
   */
  static async fromFile(path: string): Promise<Config> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new ConfigError(
        `cannot read the configuration file ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new ConfigError(`${path} must hold a JSON object`);
    const options: Record<string, unknown> = {};
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(parsed)) {
      const name = camelCase(key);
      if ((KEYS as string[]).includes(name) || name === "apiKey") options[name] = value === null ? undefined : value;
      else unknown.push(key);
    }
    if (unknown.length > 0)
      throw new ConfigError(`${path}: unknown settings ${unknown.join(", ")} (your own settings go under "extra")`);
    return new Config(options);
  }

  /**
   * This configuration with `overrides` applied: fields left undefined keep the current value,
   * and `extra` is merged key by key. A Config as `overrides` sets all its fields, defaults included.
   */
  merge(overrides: Partial<ConfigOptions> | Config): Config {
    const changes = defined({ ...overrides });
    return new Config({ ...this.toOptions(), ...changes, extra: { ...this.extra, ...changes.extra } });
  }

  toOptions(): ConfigOptions {
    return Object.fromEntries(KEYS.map((k) => [k, this[k]])) as unknown as ConfigOptions;
  }
}
