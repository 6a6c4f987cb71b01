import "server-only";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

// PGlite allows one process per data directory. The process that opens it leaves this file
// behind; another process that finds it alive talks to that server instead of opening the files.

export interface DataDirOwner {
  pid: number;
  /** where the owning server listens, when it is a server */
  url?: string;
  /** proves to the owning server that the caller can read the data directory */
  localToken?: string;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: DataDirOwner,
  ) {
    super(
      `the data directory ${dataDir} is in use by process ${owner.pid}` +
        (owner.url ? ` (the Tracedeck server at ${owner.url})` : ""),
    );
  }
}

const lockPath = (dataDir: string) => path.join(dataDir, "owner.json");

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readOwner(dataDir: string): DataDirOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(lockPath(dataDir), "utf8")) as DataDirOwner;
    return typeof owner.pid === "number" && owner.pid !== process.pid && isAlive(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Claims the data directory for this process; throws DataDirBusyError when another live process has it. */
export function claimDataDir(dataDir: string, details: { url?: string } = {}): DataDirOwner {
  const other = readOwner(dataDir);
  if (other) throw new DataDirBusyError(dataDir, other);
  // telemetry, keys' hashes and the lock's local token live here: for this user's eyes only, whatever the umask
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dataDir, 0o700);
  } catch (error) {
    // a directory of another user's that this one may write to: it runs, and says why the mode stays
    console.warn(`tracedeck: could not make ${dataDir} private (mode 0700): ${(error as Error).message}`);
  }
  const owner: DataDirOwner = { pid: process.pid, ...details, localToken: randomBytes(32).toString("base64url") };
  writeFileSync(lockPath(dataDir), JSON.stringify(owner), { mode: 0o600 });
  const release = () => releaseDataDir(dataDir);
  process.once("exit", release);
  return owner;
}

export function releaseDataDir(dataDir: string): void {
  try {
    const owner = JSON.parse(readFileSync(lockPath(dataDir), "utf8")) as DataDirOwner;
    if (owner.pid === process.pid) rmSync(lockPath(dataDir), { force: true });
  } catch {
    // nothing to release
  }
}
