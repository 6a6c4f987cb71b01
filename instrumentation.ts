// Opens the database when the server starts: migrations run and the default project exists
// before the first request, and an embedded data directory is claimed by this process.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getDatabase } = await import("@/db");
  const { ensureAdminFromEnv } = await import("@/lib/auth/users");
  const { config } = await import("@/lib/config");
  try {
    const database = await getDatabase();
    console.log(`tracedeck: database ready (${database.driver})`);
    const { adminEmail, adminPassword } = config();
    await ensureAdminFromEnv({ db: database.db, email: adminEmail, password: adminPassword }).then(
      (created) => created && console.log(`tracedeck: created the admin account ${adminEmail}`),
      (error: Error) => console.error(`tracedeck: TRACEDECK_ADMIN_EMAIL/PASSWORD: no admin created: ${error.message}`),
    );
  } catch (error) {
    // the server still starts: health answers 503 and the next request tries again
    console.error(`tracedeck: database unavailable at start: ${(error as Error).message}`);
  }
}
