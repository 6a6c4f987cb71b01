import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

// How to start Tracedeck's production server (scripts/serve.ts) as a process of its own: Node with tsx's loader,
// without the react-server condition of the CLIs, as Next itself runs.

const require = createRequire(import.meta.url);
const tsxLoader = pathToFileURL(require.resolve("tsx")).href;
const serveScript = fileURLToPath(new URL("./serve.ts", import.meta.url));

/**
 * Node's arguments for the server, given `next start`'s flags (`-p 3000`, `-H 127.0.0.1`) and its heap in MiB
 * (TRACEDECK_MAX_HEAP_MB); global.gc for the collection the server asks for after an answer of megabytes
 * (lib/http/route.ts).
 */
export const serveArgs = (flags: string[], maxHeapMb: number): string[] => [
  "--expose-gc",
  `--max-old-space-size=${maxHeapMb}`,
  "--import",
  tsxLoader,
  serveScript,
  ...flags,
];
