import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import type { Ctx } from "@/lib/auth/context";
import { SCOPES } from "@/lib/auth/scopes";
import { migrationsFolder, openDatabase, type Database } from "../client";
import { createScratchDatabase } from "./postgres";
import { projects } from "../schema";

// *.db.test.ts files run twice: against PGlite (in memory) and against a real Postgres.

export const testDriver = (process.env.TRACEDECK_TEST_DRIVER ?? "pglite") as "pglite" | "postgres";

export async function openTestDatabase(): Promise<Database> {
  if (testDriver === "postgres") {
    return openDatabase({ driver: "postgres", url: inject("postgresUrl"), poolSize: 4 });
  }
  const database = openDatabase({ driver: "pglite" });
  await database.migrate();
  return database;
}

/**
 * A database of the test's own, for tests that change what every other test shares (dropping
 * partitions, older migrations): in memory on PGlite, a scratch database on Postgres. Not migrated.
 */
export async function openOwnDatabase(): Promise<{
  database: Database;
  close: () => Promise<void>;
  /** Postgres only: another connection pool to the same database, as a second node would have */
  openAnother?: () => Database;
}> {
  if (testDriver === "postgres") {
    const scratch = await createScratchDatabase("tracedeck_own");
    const database = openDatabase({ driver: "postgres", url: scratch.url, poolSize: 4 });
    return {
      database,
      openAnother: () => openDatabase({ driver: "postgres", url: scratch.url, poolSize: 4 }),
      close: async () => {
        await database.close();
        await scratch.drop();
      },
    };
  }
  const database = openDatabase({ driver: "pglite" });
  return { database, close: () => database.close() };
}

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

/** A new project with a unique slug, and a context that acts for it. */
export async function createTestProject(database: Database): Promise<Ctx & { slug: string }> {
  const slug = uniqueName("project");
  const [project] = await database.db.insert(projects).values({ slug, name: slug }).returning({ id: projects.id });
  return { database, db: database.db, projectId: project!.id, scopes: [...SCOPES], now: () => new Date(), slug };
}

/** The committed migrations up to and including `last`, in a folder of their own (remove it when done). */
export function migrationsUpTo(last: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), "tracedeck-migrations-"));
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalFile = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  const end = journal.entries.findIndex((e) => e.tag === last);
  if (end < 0) throw new Error(`no migration ${last}`);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}
