import { config } from "@/lib/config";
import { ApiError } from "@/lib/errors";

// Admission control for ingest: requests whose bodies are being read, parsed, validated and written take a place
// each, sized by their body. Past the bound on places or on bytes, a new request is answered 429 with Retry-After
// at once, instead of waiting behind the others until its client times out and the server resets its connection.
// Small requests share the byte budget; one large request at a time (a quarter of the budget or more) has a place
// of its own beside them, so a large batch is never turned away for ever by a steady stream of small ones.

/** seconds a refused client is asked to wait */
const RETRY_AFTER_SECONDS = 1;
/** a body of unknown length (chunked) counts as this many bytes until it is read */
const UNKNOWN_LENGTH = 1024 * 1024;
/** a gzip body inflates to about this many times its size */
const INFLATION = 4;

export class Admission {
  private requests = 0;
  private bytes = 0;
  private large = false;

  constructor(
    private readonly maxRequests: number,
    private readonly maxBytes: number,
  ) {}

  /** Takes a place for a request of about `size` bytes; answers how to give it back, or throws a 429. */
  enter(size: number): () => void {
    const large = size >= this.maxBytes / 4;
    const fits = large ? !this.large : this.bytes + size <= this.maxBytes;
    if (this.requests >= this.maxRequests || !fits) {
      throw new ApiError(
        "rate_limited",
        `the server is taking in as much as it can (${this.requests} requests, ${Math.round(this.bytes / 1024)} KiB in flight); retry later`,
        undefined,
        RETRY_AFTER_SECONDS,
      );
    }
    this.requests += 1;
    if (large) this.large = true;
    else this.bytes += size;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.requests -= 1;
      if (large) this.large = false;
      else this.bytes -= size;
    };
  }

  get inFlight(): { requests: number; bytes: number; large: boolean } {
    return { requests: this.requests, bytes: this.bytes, large: this.large };
  }
}

/** About how many bytes a request's body holds once inflated, from its headers. */
export function bodySize(headers: Headers): number {
  const declared = Number(headers.get("content-length") ?? NaN);
  const encoding = (headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  const size = Number.isFinite(declared) ? declared : UNKNOWN_LENGTH;
  return Math.min(config().maxBodyBytes, encoding === "identity" || encoding === "" ? size : size * INFLATION);
}

// on globalThis: the route handlers and the OTLP listeners (loaded apart) share one
const slot = globalThis as { __tracedeckAdmission?: Admission };

/** The process's admission control for ingest. */
export function ingestAdmission(): Admission {
  const cfg = config();
  return (slot.__tracedeckAdmission ??= new Admission(cfg.ingestMaxRequests, cfg.ingestMaxBytes));
}
