import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

// How to start Tracedeck's production server (scripts/serve.ts) as a process of its own: Node with tsx's loader,
// without the react-server condition of the CLIs, as Next itself runs.

const require = createRequire(import.meta.url);
const tsxLoader = pathToFileURL(require.resolve("tsx")).href;
const serveScript = fileURLToPath(new URL("./serve.ts", import.meta.url));

/**
 * The server's JavaScript heap in MiB unless TRACEDECK_MAX_HEAP_MB says otherwise. Under a steady ingest load, V8's
 * own limit (a quarter of the machine's memory) lets the heap grow to ~200 MiB more than this one does, for a little
 * less time spent collecting; admission control (TRACEDECK_INGEST_MAX_BYTES) keeps what requests hold well under it.
 */
export const DEFAULT_MAX_HEAP_MB = 512;

/**
 * Node's arguments for the server, given `next start`'s flags (`-p 3000`, `-H 127.0.0.1`) and its heap in MiB
 * (TRACEDECK_MAX_HEAP_MB); global.gc for the collection the server asks for after an answer of megabytes
 * (lib/http/route.ts).
 */
export const serveArgs = (flags: string[], maxHeapMb = DEFAULT_MAX_HEAP_MB): string[] => [
  "--expose-gc",
  `--max-old-space-size=${maxHeapMb}`,
  "--import",
  tsxLoader,
  serveScript,
  ...flags,
];
