// Opens the database when the server starts: migrations run and the default project exists
// before the first request, and an embedded data directory is claimed by this process.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getDatabase } = await import("@/db");
  try {
    const database = await getDatabase();
    console.log(`tracedeck: database ready (${database.driver})`);
  } catch (error) {
    // the server still starts: health answers 503 and the next request tries again
    console.error(`tracedeck: database unavailable at start: ${(error as Error).message}`);
  }
}
