import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createPgliteCluster, openDatabase, queryRows } from "./client";

// The embedded store's data directory: its cluster is created by an instance of its own, once, and the instance that
// serves opens it with a small buffer cache.

const parent = mkdtempSync(path.join(tmpdir(), "tracedeck-cluster-"));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe("the embedded store's cluster", { timeout: 60_000 }, () => {
  it("is created where there is none, left as it is where there is one, and opens with a 16 MB buffer cache", async () => {
    const dataDir = path.join(parent, "pglite");
    await createPgliteCluster(dataDir);
    const version = path.join(dataDir, "PG_VERSION");
    const created = statSync(version).mtimeMs;
    await createPgliteCluster(dataDir);
    expect(statSync(version).mtimeMs).toBe(created);

    const database = openDatabase({ driver: "pglite", dataDir });
    try {
      await database.migrate();
      expect(await queryRows(database.db, sql`select current_setting('shared_buffers') as size`)).toEqual([
        { size: "16MB" },
      ]);
      expect(await queryRows(database.db, sql`select count(*)::int as n from projects`)).toEqual([{ n: 0 }]);
    } finally {
      await database.close();
    }
  });
});
