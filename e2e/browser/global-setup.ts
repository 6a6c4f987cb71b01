import { createScratchDatabase } from "@/db/testing/postgres";
import { ensureBuild } from "@/scripts/next-bin";
import { createKey, startServer } from "../http/server";

/**
 * Production servers for the browser tests, each with an ingest key: one with embedded storage, which every test
 * drives, and one on a scratch Postgres database, for the projects named "…:postgres".
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  await ensureBuild();
  // publisher statuses are written twice a second, so pages show a failing target quickly
  // the publishers page test sends to a webhook on loopback, which production refuses
  const env = { TRACEDECK_PUBLISHER_INTERVAL_MS: "500", TRACEDECK_ALLOW_PRIVATE_TARGETS: "true" };
  const server = await startServer({ env });
  process.env.TRACEDECK_E2E_URL = server.url;
  process.env.TRACEDECK_E2E_KEY = await createKey(server.env, "ingest");
  const scratch = await createScratchDatabase("tracedeck_browser");
  const onPostgres = await startServer({ env, databaseUrl: scratch.url });
  process.env.TRACEDECK_E2E_POSTGRES_URL = onPostgres.url;
  process.env.TRACEDECK_E2E_POSTGRES_KEY = await createKey(onPostgres.env, "ingest");
  return async () => {
    await server.stop();
    await onPostgres.stop();
    await scratch.drop();
  };
}
