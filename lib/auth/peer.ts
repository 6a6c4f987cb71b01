// The request header Tracedeck's server (scripts/serve.ts) sets on every request to the address of the connection
// the request came on. Any copy a client sends is dropped first, so it is the one client address that cannot be
// forged; the sign-in throttle keys on it. Kept apart so that the server loads nothing else of lib/.
export const PEER_HEADER = "x-tracedeck-peer";
