import { readOwner } from "@/db/lock";
import type { Scope } from "@/lib/auth/scopes";
import { config } from "@/lib/config";

// An ingest key for the demo, made the way `npm run keys -- create` makes one: on Postgres the
// demo opens the database itself; on the embedded store the running server owns the data
// directory, so the demo asks it, proving with the token the server left there that it may.

export interface DemoKey {
  keyId: string;
  secret: string;
}

/** read as well, so the same key can query what the demo sent */
const SCOPES: Scope[] = ["ingest", "read"];

/** Reads `key_id:secret`. */
export function parseKey(text: string): DemoKey {
  const colon = text.indexOf(":");
  const keyId = text.slice(0, colon).trim();
  const secret = text.slice(colon + 1).trim();
  if (colon < 0 || !keyId || !secret) throw new Error("a key is given as key_id:secret (tfk_…:tfs_…)");
  return { keyId, secret };
}

interface CreatedKey {
  keyId: string;
  secret: string;
}

async function createOnPostgres(url: string, project: string): Promise<CreatedKey> {
  const { openDatabase } = await import("@/db");
  const { ensureDefaultProject } = await import("@/db/seed");
  const { runKeysCommand } = await import("@/lib/auth/keys");
  const database = openDatabase({ driver: "postgres", url, poolSize: 1 });
  try {
    await database.migrate();
    await ensureDefaultProject(database.db);
    return (await runKeysCommand({
      db: database.db,
      input: { command: "create", project, scopes: SCOPES, name: "demo" },
    })) as CreatedKey;
  } finally {
    await database.close();
  }
}

async function createViaServer(ownerUrl: string, token: string, project: string): Promise<CreatedKey> {
  const { LOCAL_TOKEN_HEADER } = await import("@/lib/auth/local");
  const response = await fetch(`${ownerUrl}/api/local/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", [LOCAL_TOKEN_HEADER]: token },
    body: JSON.stringify({ command: "create", project, scopes: SCOPES, name: "demo" }),
  });
  const body = (await response.json()) as CreatedKey & { error?: { message: string } };
  if (!response.ok)
    throw new Error(`the server at ${ownerUrl} could not create a key: ${body.error?.message ?? response.status}`);
  return body;
}

const isLoopback = (host: string) => ["localhost", "127.0.0.1", "[::1]"].includes(host);

/** A new ingest+read key of `project`, from the database the server at `url` should be using. */
export async function createDemoKey(url: string, project: string): Promise<DemoKey> {
  const cfg = config();
  if (cfg.databaseUrl) return createOnPostgres(cfg.databaseUrl, project);
  const owner = readOwner(cfg.dataDir);
  if (!owner) {
    throw new Error(
      `no running Tracedeck server owns the data directory ${cfg.dataDir}, so the demo cannot make a key there. ` +
        `Run the demo with the server's TRACEDECK_DATA_DIR (or DATABASE_URL), or pass --key key_id:secret (npm run keys -- create).`,
    );
  }
  if (!owner.url || !owner.localToken)
    throw new Error(`the data directory ${cfg.dataDir} is in use by process ${owner.pid}; stop it first`);
  const target = new URL(url);
  const ownerUrl = new URL(owner.url);
  if (!isLoopback(target.hostname) || target.port !== ownerUrl.port) {
    console.warn(
      `note: the key comes from the server at ${owner.url}, which owns ${cfg.dataDir}; the demo sends to ${url}`,
    );
  }
  return createViaServer(owner.url, owner.localToken, project);
}
