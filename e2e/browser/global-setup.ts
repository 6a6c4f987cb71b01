import { ensureBuild } from "@/scripts/next-bin";
import { createKey, startServer } from "../http/server";

/** One production server with embedded storage for the browser tests, and an ingest key for them. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  await ensureBuild();
  // publisher statuses are written twice a second, so pages show a failing target quickly
  // the publishers page test sends to a webhook on loopback, which production refuses
  const server = await startServer({
    env: { TRACEDECK_PUBLISHER_INTERVAL_MS: "500", TRACEDECK_ALLOW_PRIVATE_TARGETS: "true" },
  });
  process.env.TRACEDECK_E2E_URL = server.url;
  process.env.TRACEDECK_E2E_KEY = await createKey(server.env, "ingest");
  return server.stop;
}
