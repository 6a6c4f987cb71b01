import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { config } from "@/lib/config";

// Publishers' outbound credentials (passwords, API keys, signing secrets) are stored encrypted:
// AES-256-GCM under the server's key, each bound to its project, its publisher and its place in
// the config, so a database dump holds none of them and a ciphertext copied to another publisher
// does not open. The key is TRACEDECK_SECRET_KEY, or a key file generated on first start in the
// data directory. A config saved before encryption (plain values) still reads.

/** Config keys whose values are credentials: stored encrypted, used, never answered back. */
export const SECRET_KEY = /secret|password|token|api[_-]?key|credential|auth/i;

const PREFIX = "enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_FILE = "secret.key";

export interface SecretKey {
  key: Buffer;
  /** where it came from, as messages name it */
  source: string;
}

/** Where a sealed value belongs: its ciphertext opens only there. */
export interface SecretScope {
  projectId: string;
  publisherId: string;
}

/** A stored secret that does not open with this server's key. */
export class SecretUnreadable extends Error {
  constructor(
    readonly path: string,
    source: string,
  ) {
    super(
      `the secret config.${path} cannot be decrypted with this server's key (${source}); ` +
        "give the server the key it was saved with, or enter the secret again",
    );
    this.name = "SecretUnreadable";
  }
}

/** A 32-byte key written as 64 hex digits or as base64; undefined for anything else. */
export function parseSecretKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value, "base64");
    if (key.length === 32) return key;
  }
  return undefined;
}

/**
 * The key file in the data directory: read when it exists, else generated (mode 0600). It is written under a
 * temporary name and linked into place, so a process that starts at the same time reads a whole key, the same one.
 */
export function keyFromFile(dataDir: string): SecretKey {
  const file = path.join(dataDir, KEY_FILE);
  const read = (): SecretKey => {
    const text = readFileSync(file, "utf8");
    // a key copied in with looser permissions is closed to other users again
    if ((statSync(file).mode & 0o077) !== 0) {
      try {
        chmodSync(file, 0o600);
      } catch {
        console.warn(`tracedeck: ${file} can be read by other users and its mode cannot be changed; make it 0600`);
      }
    }
    const key = parseSecretKey(text);
    if (!key) throw new Error(`${file} does not hold a 32-byte key (base64); restore it, or set TRACEDECK_SECRET_KEY`);
    return { key, source: file };
  };
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}`;
  const fd = openSync(temporary, "wx", 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString("base64")}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    // another process made it first: its key is the one
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
  return read();
}

let cached: SecretKey | undefined;

/** This server's key: TRACEDECK_SECRET_KEY, or the data directory's key file (generated on first use). */
export function secretKey(): SecretKey {
  if (cached) return cached;
  const { secretKey: given, dataDir, databaseUrl } = config();
  if (given !== undefined) {
    const key = parseSecretKey(given);
    if (!key) throw new Error("TRACEDECK_SECRET_KEY must be 32 bytes: 64 hex digits or 44 characters of base64");
    cached = { key, source: "TRACEDECK_SECRET_KEY" };
  } else {
    cached = keyFromFile(dataDir);
    if (databaseUrl)
      console.warn(
        `tracedeck: publisher credentials are encrypted with the key in ${cached.source}; ` +
          "every server sharing this database needs the same key: set TRACEDECK_SECRET_KEY on each",
      );
  }
  return cached;
}

const additionalData = (scope: SecretScope, at: string) =>
  Buffer.from(`tracedeck publisher secret\0${scope.projectId}\0${scope.publisherId}\0${at}`);

export const isSealed = (value: unknown): value is string => typeof value === "string" && value.startsWith(PREFIX);

/** One secret, encrypted for its place: `enc:v1:<base64 of iv | tag | ciphertext>`. */
export function sealSecret(value: string, key: Buffer, scope: SecretScope, at: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(additionalData(scope, at));
  const ciphertext = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64");
}

/** A sealed secret opened; throws when the key, the place or the bytes are not the ones it was sealed with. */
export function openSecret(sealed: string, key: Buffer, scope: SecretScope, at: string): string {
  const bytes = Buffer.from(sealed.slice(PREFIX.length), "base64");
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error("too short");
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(additionalData(scope, at));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The config with each credential (a non-empty string under a secret key, at any depth) replaced by `change`. */
function mapSecrets(
  config: Record<string, unknown>,
  change: (value: string, at: string) => string,
  prefix = "",
): Record<string, unknown> {
  const walk = (value: unknown, key: string, at: string): unknown =>
    Array.isArray(value)
      ? value.map((item, i) => walk(item, "", `${at}.${i}`))
      : isObject(value)
        ? mapSecrets(value, change, at)
        : SECRET_KEY.test(key) && typeof value === "string" && value !== ""
          ? change(value, at)
          : value;
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, walk(value, key, prefix ? `${prefix}.${key}` : key)]),
  );
}

/** The config as stored: every credential sealed for its publisher (one already sealed for it is kept). */
export function sealSecrets(
  config: Record<string, unknown>,
  scope: SecretScope,
  key?: SecretKey,
): Record<string, unknown> {
  return mapSecrets(config, (value, at) =>
    isSealed(value) ? value : sealSecret(value, (key ??= secretKey()).key, scope, at),
  );
}

/**
 * The config as used: every sealed credential opened (a plain one, saved before encryption, as it is). One that does
 * not open throws SecretUnreadable, or with `unreadable` is replaced by what it answers.
 */
export function openSecrets(
  config: Record<string, unknown>,
  scope: SecretScope,
  options: { key?: SecretKey; unreadable?: (at: string) => string } = {},
): Record<string, unknown> {
  const key = options.key ?? (hasSealed(config) ? secretKey() : undefined);
  return mapSecrets(config, (value, at) => {
    if (!isSealed(value)) return value;
    try {
      return openSecret(value, key!.key, scope, at);
    } catch {
      if (options.unreadable) return options.unreadable(at);
      throw new SecretUnreadable(at, key!.source);
    }
  });
}

function hasSealed(config: Record<string, unknown>): boolean {
  let found = false;
  mapSecrets(config, (value) => ((found ||= isSealed(value)), value));
  return found;
}

/** Whether a stored config still holds a credential in the clear (saved before encryption). */
export function hasPlainSecrets(config: Record<string, unknown>): boolean {
  let found = false;
  mapSecrets(config, (value) => ((found ||= !isSealed(value)), value));
  return found;
}
