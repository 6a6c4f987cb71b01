import { ensureBuild } from "@/scripts/next-bin";
import { createKey, startServer } from "../http/server";

/** One production server with embedded storage for the browser tests, and an ingest key for them. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  await ensureBuild();
  // publisher statuses are written twice a second, so pages show a failing target quickly
  const server = await startServer({ env: { TRACEDECK_PUBLISHER_INTERVAL_MS: "500" } });
  process.env.TRACEDECK_E2E_URL = server.url;
  process.env.TRACEDECK_E2E_KEY = await createKey(server.env, "ingest");
  return server.stop;
}
