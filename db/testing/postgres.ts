import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** Where tests create their databases: any role that may CREATE DATABASE. */
export function postgresAdminUrl(): string {
  // read here rather than in lib/config: only the test harness uses it
  return process.env.TRACEDECK_TEST_POSTGRES_URL || "postgres://root@127.0.0.1:5432/postgres";
}

/** Creates a fresh, empty database for one test run; returns its URL and how to drop it. */
export async function createScratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = postgresAdminUrl();
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    await admin.end();
    throw new Error(
      `cannot create a test database on ${adminUrl} (set TRACEDECK_TEST_POSTGRES_URL): ${(error as Error).message}`,
    );
  }
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists "${name}" with (force)`);
      await again.end();
    },
  };
}
