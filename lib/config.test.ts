import { describe, expect, it } from "vitest";
import { parseConfig } from "./config";

describe("parseConfig: read replica", () => {
  it("refuses DATABASE_READ_URL without DATABASE_URL: the embedded store has no replicas", () => {
    expect(() => parseConfig({ DATABASE_READ_URL: "postgres://replica:5432/tracedeck" })).toThrow(
      /^invalid environment: DATABASE_READ_URL: needs DATABASE_URL/,
    );
  });

  it("reads the replica and its lag limit beside the primary, the limit 5 s unless set", () => {
    const primary = "postgres://primary:5432/tracedeck";
    const replica = "postgres://replica:5432/tracedeck";
    expect(parseConfig({ DATABASE_URL: primary, DATABASE_READ_URL: replica })).toMatchObject({
      databaseUrl: primary,
      databaseReadUrl: replica,
      replicaMaxLagMs: 5000,
    });
    expect(
      parseConfig({ DATABASE_URL: primary, DATABASE_READ_URL: replica, TRACEDECK_REPLICA_MAX_LAG_MS: "800" })
        .replicaMaxLagMs,
    ).toBe(800);
  });

  it("treats an empty DATABASE_READ_URL as unset, and refuses a lag limit below 100 ms or a URL of another kind", () => {
    expect(parseConfig({ DATABASE_READ_URL: "" }).databaseReadUrl).toBeUndefined();
    expect(() => parseConfig({ DATABASE_URL: "postgres://p/t", TRACEDECK_REPLICA_MAX_LAG_MS: "50" })).toThrow(
      /TRACEDECK_REPLICA_MAX_LAG_MS/,
    );
    expect(() => parseConfig({ DATABASE_URL: "postgres://p/t", DATABASE_READ_URL: "mysql://r/t" })).toThrow(
      /DATABASE_READ_URL: must be a postgres:\/\/ URL/,
    );
  });
});

describe("parseConfig: the server's heap", () => {
  it("is the server's default unless set, and refuses less than 256 MiB", () => {
    expect(parseConfig({}).maxHeapMb).toBeUndefined();
    expect(parseConfig({ TRACEDECK_MAX_HEAP_MB: "2048" }).maxHeapMb).toBe(2048);
    expect(() => parseConfig({ TRACEDECK_MAX_HEAP_MB: "100" })).toThrow(/TRACEDECK_MAX_HEAP_MB/);
  });
});
