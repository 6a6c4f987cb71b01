// Opens the database when the server starts: migrations run and the default project exists
// before the first request, and an embedded data directory is claimed by this process. Then the
// server-side publishers start (and those TRACEDECK_PUBLISHERS declares are saved first), and
// storage maintenance (partitions ahead, retention), and alerting.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getDatabase } = await import("@/db");
  const { ensureAdminFromEnv } = await import("@/lib/auth/users");
  const { config } = await import("@/lib/config");
  const { applyEnvPublishers } = await import("@/lib/publishers/env");
  const { startPublishers } = await import("@/lib/publishers/runtime");
  const { startMaintenance } = await import("@/lib/storage/maintenance");
  const { startRollups } = await import("@/lib/storage/rollups");
  const { startAlerts } = await import("@/lib/alerts/runtime");
  const { startOtlpListeners } = await import("@/lib/http/otlp-listeners");
  const { serveIngestOnMainPort } = await import("@/lib/http/main-port-ingest");
  try {
    config();
  } catch (error) {
    // a wrong environment is not something to wait out, as an unreachable database is: stop, saying what is wrong
    console.error(`tracedeck: ${(error as Error).message}`);
    process.exit(1);
  }
  const start = async (): Promise<void> => {
    const database = await getDatabase();
    console.log(
      `tracedeck: database ready (${database.driver}${config().databaseReadUrl ? ", with a read replica" : ""})`,
    );
    const {
      adminEmail,
      adminPassword,
      publishers,
      publisherIntervalMs,
      maintenanceIntervalMs,
      rollupIntervalMs,
      alertIntervalMs,
    } = config();
    // partitions for today and the next days, then retention, every few minutes
    startMaintenance(database, { intervalMs: maintenanceIntervalMs });
    // the minutes ingest marked, rolled up every few seconds
    startRollups(database, { intervalMs: rollupIntervalMs });
    await ensureAdminFromEnv({ db: database.db, email: adminEmail, password: adminPassword }).then(
      (created) => created && console.log(`tracedeck: created the admin account ${adminEmail}`),
      (error: Error) => console.error(`tracedeck: TRACEDECK_ADMIN_EMAIL/PASSWORD: no admin created: ${error.message}`),
    );
    if (publishers) {
      const { problems } = await applyEnvPublishers(database.db, publishers);
      for (const problem of problems) console.error(`tracedeck: ${problem}`);
    }
    startPublishers(database, { intervalMs: publisherIntervalMs });
    // alert rules evaluated once a minute across nodes, and their notifications sent
    startAlerts(database, { intervalMs: alertIntervalMs });
  };
  // the collector ports answer from the start, UNAVAILABLE or 503 while the database cannot be reached
  void startOtlpListeners();
  serveIngestOnMainPort();
  const attempt = (): Promise<void> =>
    start().catch((error: Error) => {
      // the server still starts: health answers 503 and requests try the database again; so do the publishers
      console.error(`tracedeck: database unavailable at start: ${error.message}`);
      setTimeout(() => void attempt(), 5000).unref();
    });
  await attempt();
}
