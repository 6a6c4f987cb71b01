// lib/shared: used by both the server and the SDK, so it imports neither (npm run lint:deps checks it).
// The four pipeline series every metrics publisher exposes, named as Tracedeck's own `/metrics`
// names them, so dashboards built on one work on the others.

export const EVENT_DURATION = {
  name: "event_duration_seconds",
  help: "How long task executions took, by event name and final status",
} as const;
export const EVENT_RETRIES = {
  name: "event_retries_total",
  help: "Retries of finished task executions, by event name",
} as const;
export const NETWORK_BYTES = {
  name: "network_bytes_total",
  help: "Bytes moved by network operations, by host, operation and direction",
} as const;
export const NETWORK_LATENCY = {
  name: "network_latency_seconds",
  help: "Latency of network operations, by host and operation",
} as const;

/** Task executions run from milliseconds to minutes. */
export const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Remote calls mostly take milliseconds; anything past 10 s is a timeout. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
