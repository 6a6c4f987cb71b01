import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config";
import {
  hasPlainSecrets,
  keyFromFile,
  KEY_FILE,
  openSecret,
  openSecrets,
  parseSecretKey,
  sealSecret,
  sealSecrets,
  SecretUnreadable,
} from "./secrets";

const key = { key: randomBytes(32), source: "a test key" };
const scope = { projectId: "p-1", publisherId: "pub-1" };

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tracedeck-key-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("sealed secrets", () => {
  it("open to what was sealed, and differ each time they are sealed", () => {
    const a = sealSecret("s3cret-value", key.key, scope, "password");
    const b = sealSecret("s3cret-value", key.key, scope, "password");
    expect(a).toMatch(/^enc:v1:[A-Za-z0-9+/=]+$/);
    expect(a).not.toContain("s3cret");
    expect(a).not.toBe(b);
    expect(openSecret(a, key.key, scope, "password")).toBe("s3cret-value");
  });

  it("do not open when a byte changed, under another key, for another publisher or project, or at another field", () => {
    const sealed = sealSecret("s3cret-value", key.key, scope, "password");
    const bytes = Buffer.from(sealed.slice("enc:v1:".length), "base64");
    bytes[bytes.length - 1]! ^= 1;
    const tampered = `enc:v1:${bytes.toString("base64")}`;
    expect(() => openSecret(tampered, key.key, scope, "password")).toThrow();
    expect(() => openSecret(sealed, randomBytes(32), scope, "password")).toThrow();
    expect(() => openSecret(sealed, key.key, { ...scope, publisherId: "pub-2" }, "password")).toThrow();
    expect(() => openSecret(sealed, key.key, { ...scope, projectId: "p-2" }, "password")).toThrow();
    expect(() => openSecret(sealed, key.key, scope, "api_key")).toThrow();
  });

  it("cover every credential of a config, a composite's members too, and leave the rest as it is", () => {
    const config = {
      url: "https://es.example:9200",
      username: "elastic",
      password: "pw-1",
      api_key: "",
      publishers: [{ type: "webhook", config: { url: "https://hooks.example", secret: "signing-secret-0123" } }],
    };
    const sealed = sealSecrets(config, scope, key);
    expect(JSON.stringify(sealed)).not.toMatch(/pw-1|signing-secret/);
    expect(sealed).toMatchObject({ url: config.url, username: "elastic", api_key: "", password: /^enc:v1:/ });
    expect(hasPlainSecrets(sealed)).toBe(false);
    expect(hasPlainSecrets(config)).toBe(true);
    expect(openSecrets(sealed, scope, { key })).toEqual(config);
    // sealing again keeps what is sealed already
    expect(sealSecrets(sealed, scope, key)).toEqual(sealed);
  });

  it("read a config saved before encryption as it is", () => {
    expect(openSecrets({ url: "http://x", secret: "plain-signing-secret" }, scope, { key })).toEqual({
      url: "http://x",
      secret: "plain-signing-secret",
    });
  });

  it("that do not open say which field and which key, never the ciphertext", () => {
    const sealed = sealSecrets({ api_key: "k-1" }, scope, key);
    const other = { key: randomBytes(32), source: "TRACEDECK_SECRET_KEY" };
    expect(() => openSecrets(sealed, scope, { key: other })).toThrow(SecretUnreadable);
    expect(() => openSecrets(sealed, scope, { key: other })).toThrow(
      /^the secret config\.api_key cannot be decrypted with this server's key \(TRACEDECK_SECRET_KEY\)/,
    );
    expect(openSecrets(sealed, scope, { key: other, unreadable: (at) => `?${at}` })).toEqual({ api_key: "?api_key" });
  });
});

describe("the secret key", () => {
  it("is 32 bytes, written as 64 hex digits or base64; anything else is refused at start with a clear message", () => {
    const bytes = randomBytes(32);
    expect(parseSecretKey(bytes.toString("hex"))).toEqual(bytes);
    expect(parseSecretKey(bytes.toString("base64"))).toEqual(bytes);
    expect(parseSecretKey(`${bytes.toString("base64")}\n`)).toEqual(bytes);
    for (const bad of ["", "short", bytes.toString("hex").slice(2), randomBytes(16).toString("base64"), "x".repeat(64)])
      expect(parseSecretKey(bad), bad).toBeUndefined();
    expect(parseConfig({ TRACEDECK_SECRET_KEY: bytes.toString("base64") }).secretKey).toBe(bytes.toString("base64"));
    expect(() => parseConfig({ TRACEDECK_SECRET_KEY: "not-a-key" })).toThrow(
      /TRACEDECK_SECRET_KEY: must be 32 bytes: 64 hex digits or 44 characters of base64/,
    );
  });

  it("without TRACEDECK_SECRET_KEY is generated into the data directory once, mode 0600, and reused", () => {
    const dataDir = path.join(tempDir(), "data"); // not there yet: made on the way
    const first = keyFromFile(dataDir);
    const file = path.join(dataDir, KEY_FILE);
    expect(first.source).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseSecretKey(readFileSync(file, "utf8"))).toEqual(first.key);
    expect(keyFromFile(dataDir).key).toEqual(first.key);
    // no temporary file is left behind
    expect(readdirSync(dataDir)).toEqual([KEY_FILE]);
  });

  it("from a key file other users could read is closed to them again", () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, KEY_FILE);
    writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(keyFromFile(dataDir).source).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("from a damaged key file is refused, not replaced", () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, KEY_FILE), "garbage\n", { mode: 0o600 });
    expect(() => keyFromFile(dataDir)).toThrow(/does not hold a 32-byte key/);
    expect(readFileSync(path.join(dataDir, KEY_FILE), "utf8")).toBe("garbage\n");
  });
});
