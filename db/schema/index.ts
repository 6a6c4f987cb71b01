export * from "./auth";
export * from "./traces";
export * from "./events";
export * from "./logs";
export * from "./metrics";
export * from "./pipeline";
export * from "./publishers";
