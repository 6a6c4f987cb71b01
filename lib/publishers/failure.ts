import { errorMessage } from "@/lib/shared/error-message";

// What a publisher's status shows when a send fails is written by Tracedeck: a status code, a
// connection problem in its own words, a refused target. Never the target's answer or an error
// text that could carry it: a target is anything an admin typed, and its answer is not theirs to read.

/** A failure to send, described in Tracedeck's own words: safe to show as a publisher's last error. */
export class SendFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SendFailure";
  }
}

const CONNECT_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EADDRNOTAVAIL: "address not available",
  UND_ERR_SOCKET: "the connection was closed",
  HPE_INVALID_CONSTANT: "the answer was not HTTP",
  ERR_SSL_WRONG_VERSION_NUMBER: "the target does not speak TLS",
  EPROTO: "TLS handshake failed",
};
const NOT_RESOLVED = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "ENODATA"]);
// Node's own codes for certificates it does not accept
const CERTIFICATE = /^(CERT_|ERR_TLS_CERT|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_SSL_)/;

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
};

/** The host and port a URL connects to, as shown in messages. */
export function hostPort(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === "https:" ? "443" : "80")}`;
  } catch {
    return "the target";
  }
}

/** A connection-level error (Node's, by its code) in Tracedeck's words; undefined when the code is not one of them. */
export function describeCode(code: string | undefined, where: string): string | undefined {
  if (!code) return undefined;
  if (NOT_RESOLVED.has(code)) return `could not resolve ${where.replace(/:\d+$/, "")}`;
  if (CERTIFICATE.test(code)) return `TLS with ${where} failed: the certificate was not accepted (${code})`;
  const problem = CONNECT_PROBLEMS[code];
  return problem ? `could not connect to ${where}: ${problem}` : undefined;
}

/**
 * Anything a send threw, as a last error: a SendFailure as it is; a connection error by its code; anything else
 * as a generic line (logged in full on the server, which is the operator's to read).
 */
export function describeFailure(error: unknown, where = "the target"): string {
  if (error instanceof SendFailure) return error.message;
  const code = codeOf(error) ?? codeOf((error as { cause?: unknown } | null)?.cause);
  const known = describeCode(code, where);
  if (known) return known;
  console.error(`tracedeck: publisher send to ${where} failed: ${errorMessage(error)}`);
  return `the send to ${where} failed${code && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : ""}; the server log has the details`;
}

/** The line for an HTTP answer that was not a success: who answered, and its status code only. */
export const answered = (who: string, status: number) => `${who} answered ${status}`;
