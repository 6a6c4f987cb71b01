import { describe, expect, it } from "vitest";
import { readCredentials } from "./authenticate";
import { generateKeyPair, secretMatches, sha256Hex } from "./keys";
import { hasScope, parseScopes } from "./scopes";

describe("readCredentials", () => {
  const pair = { kind: "key", keyId: "tfk_abc", secret: "tfs_def" };

  it("reads every accepted header form", () => {
    expect(readCredentials(new Headers({ authorization: "Bearer tfk_abc:tfs_def" }))).toEqual(pair);
    expect(
      readCredentials(new Headers({ "x-telemetryflow-key-id": "tfk_abc", "x-telemetryflow-key-secret": "tfs_def" })),
    ).toEqual(pair);
    expect(readCredentials(new Headers({ "x-api-key": "tfk_abc:tfs_def" }))).toEqual(pair);
    expect(readCredentials(new Headers({ authorization: "bearer opaque-token" }))).toEqual({
      kind: "token",
      token: "opaque-token",
    });
  });

  it("finds nothing in absent or malformed headers", () => {
    expect(readCredentials(new Headers())).toBeUndefined();
    expect(readCredentials(new Headers({ authorization: "Basic dXNlcjpwYXNz" }))).toBeUndefined();
    expect(readCredentials(new Headers({ "x-api-key": "no-colon" }))).toBeUndefined();
    expect(readCredentials(new Headers({ "x-telemetryflow-key-id": "tfk_abc" }))).toBeUndefined();
  });
});

describe("key pairs", () => {
  it("have the documented prefixes and at least 128 random bits, and never repeat", () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(a.keyId).toMatch(/^tfk_[0-9a-f]{24}$/);
    expect(a.secret).toMatch(/^tfs_[A-Za-z0-9_-]{43}$/);
    expect(a.secret).not.toBe(b.secret);
    expect(a.keyId).not.toBe(b.keyId);
  });

  it("match only their own secret", () => {
    const { secret } = generateKeyPair();
    expect(secretMatches(secret, sha256Hex(secret))).toBe(true);
    expect(secretMatches(secret + "x", sha256Hex(secret))).toBe(false);
    expect(secretMatches(secret, "abcd")).toBe(false);
  });
});

describe("scopes", () => {
  it("parses lists and lets admin do everything", () => {
    expect(parseScopes("ingest, READ")).toEqual(["ingest", "read"]);
    expect(() => parseScopes("ingest,write")).toThrow(/unknown scope write/);
    expect(hasScope(["admin"], "ingest")).toBe(true);
    expect(hasScope(["ingest"], "read")).toBe(false);
  });
});
