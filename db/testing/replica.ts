import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { freePort } from "./ports";

// A real streaming replica for the read-replica tests: `pg_basebackup -R` from the Postgres the tests use into a
// second cluster under a temporary directory, on a free loopback port, started with `pg_ctl`. Postgres refuses to
// run as root, so when the tests run as root the replica's commands run as the `postgres` OS user.
//
// Set-up the primary needs (CI's .ci/run does it):
//   - replication connections from loopback allowed in pg_hba.conf, then a reload:
//       host replication all 127.0.0.1/32 trust
//     (`psql -Atc 'show hba_file'` says where the file is; `select pg_reload_conf()` reloads it)
//   - wal_level replica (the default) and max_wal_senders above 0 (the default is 10)
//   - the server's binaries on this machine: /usr/lib/postgresql/<major>/bin (Debian), or TRACEDECK_TEST_PG_BIN
//   - a role allowed to replicate (a superuser is); the tests connect as the role of their URL
// The replica holds a copy of the whole primary cluster (a physical copy cannot pick databases).

const execute = promisify(execFile);

export interface TestReplica {
  /** the database of the primary URL, on the replica */
  url: string;
  port: number;
  /** stops replaying WAL (pg_wal_replay_pause): the replica falls behind while the primary moves on */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** stops the replica's server (fast shutdown: its connections are closed); its data stays */
  stop(): Promise<void>;
  /** starts it again; it catches up from the primary */
  start(): Promise<void>;
  /** whether the replica has replayed everything the primary had when this was called, within timeoutMs */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /** stops the server and deletes its directory; safe to call twice */
  remove(): Promise<void>;
}

// read here rather than in lib/config: only the test harness uses it
const binDirOverride = () => process.env.TRACEDECK_TEST_PG_BIN;

/** The binaries of the primary's major version. */
function binDir(serverVersionNum: number): string {
  const override = binDirOverride();
  if (override) return override;
  const debian = `/usr/lib/postgresql/${Math.floor(serverVersionNum / 10000)}/bin`;
  if (existsSync(debian)) return debian;
  throw new Error(`no Postgres binaries at ${debian}: set TRACEDECK_TEST_PG_BIN to the directory of pg_ctl`);
}

/** Postgres refuses root: as root, run as the postgres OS user (who then owns the replica's files). */
const asRoot = () => userInfo().uid === 0;
const command = (bin: string, args: string[]): [string, string[]] =>
  asRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];

async function run(bin: string, args: string[]): Promise<void> {
  const [file, argv] = command(bin, args);
  try {
    await execute(file, argv, { timeout: 120_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${path.basename(bin)} ${args.join(" ")} failed: ${stderr || stdout || (error as Error).message}`);
  }
}

/** Settings the standby needs at least as high as the primary's, or it refuses to start. */
const MATCHED_SETTINGS = [
  "max_connections",
  "max_worker_processes",
  "max_wal_senders",
  "max_prepared_transactions",
  "max_locks_per_transaction",
];

const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Makes a streaming replica of the server of `primaryUrl` and starts it. */
export async function startTestReplica(primaryUrl: string): Promise<TestReplica> {
  const primary = postgres(primaryUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  let version: number;
  let settings: { name: string; setting: string }[];
  try {
    [{ version }] = await primary<[{ version: number }]>`select current_setting('server_version_num')::int as version`;
    settings = await primary<{ name: string; setting: string }[]>`
      select name, setting from pg_settings where name in ${primary(MATCHED_SETTINGS)}`;
  } finally {
    await primary.end();
  }
  const bin = binDir(version);
  const port = await freePort();
  const root = mkdtempSync(path.join(tmpdir(), "tracedeck-replica-"));
  const dataDir = path.join(root, "data");
  const log = path.join(root, "postgres.log");
  if (asRoot()) {
    const { uid, gid } = postgresUser();
    chownSync(root, uid, gid);
  }

  let running = false;
  let removed = false;
  const pgCtl = (...args: string[]) => run(path.join(bin, "pg_ctl"), ["-D", dataDir, ...args]);
  const stop = async () => {
    if (!running) return;
    await pgCtl("-m", "fast", "-w", "-t", "60", "stop");
    running = false;
  };
  const start = async () => {
    await pgCtl("-l", log, "-w", "-t", "60", "start");
    running = true;
  };
  const remove = async () => {
    if (removed) return;
    removed = true;
    process.off("exit", removeAtExit);
    try {
      await stop();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  // a test process that dies before its afterAll leaves no server behind
  const removeAtExit = () => {
    if (running) {
      const [file, argv] = command(path.join(bin, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "stop"]);
      try {
        execFileSync(file, argv, { stdio: "ignore", timeout: 30_000 });
      } catch {
        // nothing more can be done while exiting
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once("exit", removeAtExit);

  try {
    try {
      // -R: standby.signal and primary_conninfo; -X stream: the WAL of the copy streamed beside it
      await run(path.join(bin, "pg_basebackup"), ["-d", primaryUrl, "-D", dataDir, "-R", "-X", "stream", "-c", "fast"]);
    } catch (error) {
      const message = (error as Error).message;
      if (/pg_hba\.conf|replication connection/.test(message)) {
        throw new Error(
          `${message}\nthe primary refuses replication connections from loopback: add ` +
            "`host replication all 127.0.0.1/32 trust` to its pg_hba.conf and reload it (see db/testing/replica.ts)",
        );
      }
      throw error;
    }
    // A Debian data directory has no configuration files of its own; settings appended to postgresql.auto.conf come
    // after what the copy brought from the primary (-R's primary_conninfo included), so these are the ones in force.
    writeOwned(path.join(dataDir, "postgresql.conf"), "# the replica's settings are in postgresql.auto.conf\n");
    writeOwned(path.join(dataDir, "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n");
    writeOwned(path.join(dataDir, "pg_ident.conf"), "");
    appendFileSync(
      path.join(dataDir, "postgresql.auto.conf"),
      [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = ${sqlString(root)}`,
        "hot_standby = on",
        "shared_buffers = '32MB'",
        // a throwaway copy: no need to make the shared machine's disk wait for it
        "fsync = off",
        "ssl = off",
        ...settings.map(({ name, setting }) => `${name} = ${sqlString(setting)}`),
        "",
      ].join("\n"),
    );
    await start();
  } catch (error) {
    await remove().catch(() => {});
    throw error;
  }

  const url = new URL(primaryUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  const replicaUrl = url.toString();
  const onReplica = async <T>(query: (client: postgres.Sql) => Promise<T>): Promise<T> => {
    const client = postgres(replicaUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      return await query(client);
    } finally {
      await client.end();
    }
  };

  return {
    url: replicaUrl,
    port,
    // a pause is a request that replay honours between records: wait until it has (Postgres 14 and newer)
    pauseReplay: () =>
      onReplica(async (client) => {
        await client`select pg_wal_replay_pause()`;
        for (let tries = 0; ; tries++) {
          const [{ state }] = await client<[{ state: string }]>`select pg_get_wal_replay_pause_state() as state`;
          if (state === "paused") return;
          if (tries > 600) throw new Error(`replay did not pause: ${state}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    resumeReplay: () =>
      onReplica(async (client) => {
        await client`select pg_wal_replay_resume()`;
      }),
    stop,
    start,
    waitForReplay: async (timeoutMs = 30_000) => {
      const primaryClient = postgres(primaryUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      const replicaClient = postgres(replicaUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        const [{ lsn }] = await primaryClient<[{ lsn: string }]>`select pg_current_wal_flush_lsn()::text as lsn`;
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const [{ done }] = await replicaClient<[{ done: boolean }]>`
            select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as done`;
          if (done) return;
          if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${lsn} in ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await Promise.all([primaryClient.end(), replicaClient.end()]);
      }
    },
    remove,
  };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** A file in the data directory, owned by whoever runs the server. */
function writeOwned(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  if (asRoot()) {
    const { uid, gid } = postgresUser();
    chownSync(file, uid, gid);
  }
}
