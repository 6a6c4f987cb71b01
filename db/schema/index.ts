// No `import "server-only"` here, unlike db/client.ts and the other modules of db/ that run: drizzle-kit loads the
// schema in plain Node, where that marker throws. The tables are declarations; whatever queries them goes through
// db/client.ts, which is marked.
export * from "./auth";
export * from "./traces";
export * from "./events";
export * from "./logs";
export * from "./metrics";
export * from "./pipeline";
export * from "./publishers";
export * from "./settings";
export * from "./rollups";
export * from "./alerts";
