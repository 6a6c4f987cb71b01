// npm run keys -- create --project default --scopes ingest,read [--name NAME]
// npm run keys -- list [--project SLUG]
// npm run keys -- revoke <key_id>
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase, type Database } from "@/db";
import { claimDataDir, readOwner, releaseDataDir } from "@/db/lock";
import { ensureDefaultProject } from "@/db/seed";
import { runKeysCommand, type ApiKeySummary, type CreatedApiKey, type KeysCommand } from "@/lib/auth/keys";
import { LOCAL_TOKEN_HEADER } from "@/lib/auth/local";
import { parseScopes } from "@/lib/auth/scopes";
import { config } from "@/lib/config";

type Command = KeysCommand;

const USAGE = `usage:
  npm run keys -- create --project <slug> --scopes ingest,read[,admin] [--name <name>]
  npm run keys -- list [--project <slug>]
  npm run keys -- revoke <key_id>`;

function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { project: { type: "string" }, scopes: { type: "string" }, name: { type: "string" } },
  });
  const [verb, arg] = positionals;
  if (verb === "create") {
    return {
      command: "create",
      project: values.project ?? "default",
      scopes: parseScopes(values.scopes ?? "ingest,read"),
      name: values.name ?? "",
    };
  }
  if (verb === "list") return { command: "list", project: values.project };
  if (verb === "revoke" && arg) return { command: "revoke", keyId: arg };
  throw new Error(USAGE);
}

async function withOwnDatabase(command: Command): Promise<unknown> {
  const cfg = config();
  let database: Database;
  if (cfg.databaseUrl) {
    database = openDatabase({ driver: "postgres", url: cfg.databaseUrl, poolSize: 1 });
  } else {
    claimDataDir(cfg.dataDir);
    database = openDatabase({ driver: "pglite", dataDir: path.join(cfg.dataDir, "pglite") });
  }
  try {
    await database.migrate();
    await ensureDefaultProject(database.db);
    return await runKeysCommand({ db: database.db, input: command });
  } finally {
    await database.close();
    releaseDataDir(cfg.dataDir);
  }
}

/** The server owns the embedded store: ask it. */
async function viaServer(url: string, token: string, command: Command): Promise<unknown> {
  const response = await fetch(`${url}/api/local/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", [LOCAL_TOKEN_HEADER]: token },
    body: JSON.stringify(command),
  });
  const body = (await response.json()) as { error?: { message: string } };
  if (!response.ok) throw new Error(body.error?.message ?? `the server answered ${response.status}`);
  return reviveDates(body);
}

function reviveDates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveDates);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, typeof v === "string" && k.endsWith("At") ? new Date(v) : v]),
    );
  }
  return value;
}

function print(command: Command, result: unknown): void {
  if (command.command === "create") {
    const key = result as CreatedApiKey;
    console.log(`Created an API key for project "${key.project}" with scopes ${key.scopes.join(", ")}.`);
    console.log(`The secret is shown only now; store it safely.\n`);
    console.log(`  key id:      ${key.keyId}`);
    console.log(`  key secret:  ${key.secret}\n`);
    console.log(`Send it as:  Authorization: Bearer ${key.keyId}:${key.secret}`);
  } else if (command.command === "list") {
    const keys = result as ApiKeySummary[];
    if (keys.length === 0) console.log("No API keys.");
    for (const k of keys) {
      const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
      const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : "never used";
      console.log(`${k.keyId}  ${k.project}  [${k.scopes.join(",")}]  ${state}, ${used}${k.name ? `  ${k.name}` : ""}`);
    }
  } else {
    console.log(`Revoked ${command.keyId}.`);
  }
}

try {
  const command = parseCommand(process.argv.slice(2));
  const cfg = config();
  const owner = cfg.databaseUrl ? undefined : readOwner(cfg.dataDir);
  let result: unknown;
  if (owner?.url && owner.localToken) result = await viaServer(owner.url, owner.localToken, command);
  else if (owner) throw new Error(`the data directory ${cfg.dataDir} is in use by process ${owner.pid}; stop it first`);
  else result = await withOwnDatabase(command);
  print(command, result);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
