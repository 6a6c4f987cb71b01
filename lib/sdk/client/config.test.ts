import { mkdtemp, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { Config, DEFAULT_CONFIG } from "./config";
import { ConfigError } from "./errors";

async function configFile(content: string): Promise<string> {
  // the SDK's tests keep to the built-ins the SDK itself may use, so no node:os for the temp dir
  const file = `${await mkdtemp(`${process.env.TMPDIR ?? "/tmp"}/tracedeck-sdk-`)}/tracedeck.json`;
  await writeFile(file, content);
  return file;
}

describe("Config", () => {
  it("has working defaults", () => {
    const config = new Config();
    expect(config.endpoint).toBe("http://localhost:3000");
    expect(config.timeoutMs).toBe(30_000);
    expect(config.maxRetries).toBe(3);
    expect(config.compression).toBe(true);
    expect(config.batchSize).toBe(512);
    expect(config.logLevel).toBe("WARNING");
  });

  it("takes the reference client's apiKey and logLevel", () => {
    const config = new Config({ apiKey: "tfk_abc:tfs_def", logLevel: "debug" as never });
    expect(config).toMatchObject({ keyId: "tfk_abc", keySecret: "tfs_def", logLevel: "DEBUG" });
    expect(Config.fromEnv({ TRACEDECK_LOG_LEVEL: "error" }).logLevel).toBe("ERROR");
    expect(Config.fromEnv({ TELEMETRYFLOW_LOG_LEVEL: "INFO" }).logLevel).toBe("INFO");
    expect(() => new Config({ apiKey: "tfk_abc" })).toThrow(/apiKey is written key_id:key_secret/);
    expect(() => new Config({ logLevel: "LOUD" as never })).toThrow(
      /logLevel must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not "LOUD"/,
    );
  });

  it("names every invalid setting at once", () => {
    const attempt = () => new Config({ endpoint: "ftp://x", timeoutMs: 0, maxRetries: 1.5, keyId: "tfk_a" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/endpoint must be http or https.*maxRetries.*timeoutMs.*keyId and keySecret go together/);
  });

  it("reads TRACEDECK_* variables, treating empty ones as unset", () => {
    const config = Config.fromEnv({
      TRACEDECK_URL: "https://tracedeck.example.com/",
      TRACEDECK_KEY_ID: "tfk_abc",
      TRACEDECK_KEY_SECRET: "tfs_def",
      TRACEDECK_TIMEOUT_MS: "5000",
      TRACEDECK_COMPRESSION: "false",
      TRACEDECK_MAX_RETRIES: "",
      TRACEDECK_SERVICE_NAME: "checkout",
      TRACEDECK_OAUTH_SCOPES: "ingest, read",
    });
    expect(config).toMatchObject({
      endpoint: "https://tracedeck.example.com",
      keyId: "tfk_abc",
      keySecret: "tfs_def",
      timeoutMs: 5000,
      compression: false,
      maxRetries: DEFAULT_CONFIG.maxRetries,
      serviceName: "checkout",
      oauthScopes: ["ingest", "read"],
    });
  });

  it("prefers TRACEDECK_ENDPOINT and falls back to the reference SDK's variable names", () => {
    const config = Config.fromEnv({
      TRACEDECK_ENDPOINT: "http://127.0.0.1:4000",
      TRACEDECK_URL: "http://ignored:1",
      TELEMETRYFLOW_API_KEY_ID: "tfk_ref",
      TELEMETRYFLOW_API_KEY_SECRET: "tfs_ref",
      TELEMETRYFLOW_SERVICE_NAME: "legacy",
    });
    expect(config).toMatchObject({
      endpoint: "http://127.0.0.1:4000",
      keyId: "tfk_ref",
      keySecret: "tfs_ref",
      serviceName: "legacy",
    });
    expect(Config.fromEnv({ TELEMETRYFLOW_ENDPOINT: "collector.internal:4318" }).endpoint).toBe(
      "https://collector.internal:4318",
    );
    expect(Config.fromEnv({ TRACEDECK_API_KEY: "tfk_one:tfs_two" })).toMatchObject({
      keyId: "tfk_one",
      keySecret: "tfs_two",
    });
  });

  it("refuses unreadable variables", () => {
    expect(() => Config.fromEnv({ TRACEDECK_BATCH_SIZE: "lots" })).toThrow(/TRACEDECK_BATCH_SIZE must be a number/);
    expect(() => Config.fromEnv({ TRACEDECK_COMPRESSION: "maybe" })).toThrow(
      /TRACEDECK_COMPRESSION must be true or false/,
    );
    expect(() => Config.fromEnv({ TRACEDECK_API_KEY: "tfk_only" })).toThrow(/key_id:key_secret/);
  });

  it("reads a JSON file with snake_case or camelCase keys", async () => {
    const file = await configFile(
      JSON.stringify({
        endpoint: "http://localhost:9000",
        key_id: "tfk_a",
        keySecret: "tfs_b",
        batch_size: 100,
        extra: { team: "payments" },
      }),
    );
    expect(await Config.fromFile(file)).toMatchObject({
      endpoint: "http://localhost:9000",
      keyId: "tfk_a",
      keySecret: "tfs_b",
      batchSize: 100,
      extra: { team: "payments" },
    });
  });

  it("refuses a file with a misspelt setting or that is not JSON", async () => {
    await expect(Config.fromFile(await configFile(JSON.stringify({ endpont: "http://x" })))).rejects.toThrow(
      /unknown settings endpont/,
    );
    await expect(Config.fromFile(await configFile("endpoint: http://x"))).rejects.toThrow(ConfigError);
    await expect(Config.fromFile("/nonexistent/tracedeck.json")).rejects.toThrow(/cannot read/);
  });

  it("merge applies the set overrides, keeps the rest, and merges extra", () => {
    const base = new Config({ endpoint: "http://localhost:1", maxRetries: 5, extra: { a: 1 } });
    const merged = base.merge({ maxRetries: 0, timeoutMs: undefined, extra: { b: 2 } });
    expect(merged).toMatchObject({
      endpoint: "http://localhost:1",
      maxRetries: 0,
      timeoutMs: 30_000,
      extra: { a: 1, b: 2 },
    });
    expect(base.maxRetries).toBe(5);
    expect(() => base.merge({ batchSize: -1 })).toThrow(ConfigError);
  });
});
