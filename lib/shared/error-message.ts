// lib/shared: used by both the server and the SDK, so it imports neither (npm run lint:deps checks it).

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
