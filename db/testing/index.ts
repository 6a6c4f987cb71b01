import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { Ctx } from "@/lib/auth/context";
import { SCOPES } from "@/lib/auth/scopes";
import { openDatabase, type Database } from "../client";
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

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

/** A new project with a unique slug, and a context that acts for it. */
export async function createTestProject(database: Database): Promise<Ctx & { slug: string }> {
  const slug = uniqueName("project");
  const [project] = await database.db.insert(projects).values({ slug, name: slug }).returning({ id: projects.id });
  return { database, db: database.db, projectId: project!.id, scopes: [...SCOPES], now: () => new Date(), slug };
}
