import { ApiError } from "@/lib/errors";
import type { PublisherType } from "./config";
import { allowedAddresses, type TargetGuard } from "./egress";
import { SendFailure } from "./failure";

// Where a publisher sends, checked when it is saved: a target that is (or resolves to) a private
// address is a 400 naming the field. A name that does not resolve now is saved: DNS may know it
// later, and the publisher's status says so when a send finds it still unknown.

const RESOLVE_TIMEOUT_MS = 3000;

/** The URLs of a checked config, each with its path in the request (`config.hosts.1`). */
export function targetUrls(type: PublisherType, config: Record<string, unknown>, path = "config"): [string, string][] {
  if (type === "composite") {
    const members = (config.publishers ?? []) as { type: PublisherType; config: Record<string, unknown> }[];
    return members.flatMap((m, i) => targetUrls(m.type, m.config, `${path}.publishers.${i}.config`));
  }
  if (type === "other") return [];
  const urls: [string, string][] = [];
  if (typeof config.url === "string") urls.push([`${path}.url`, config.url]);
  if (Array.isArray(config.hosts))
    config.hosts.forEach((host, i) => typeof host === "string" && urls.push([`${path}.hosts.${i}`, host]));
  return urls;
}

/** Refuses a config whose targets the guard would not connect to (resolved here; a name that does not resolve passes). */
export async function checkTargets(
  type: PublisherType,
  config: Record<string, unknown>,
  guard: TargetGuard,
): Promise<void> {
  if (guard.allowsAll) return;
  const problems: { path: string; message: string }[] = [];
  for (const [path, target] of targetUrls(type, config)) {
    const url = new URL(target);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    try {
      await Promise.race([
        allowedAddresses(guard, url.hostname, port),
        new Promise((resolve) => setTimeout(resolve, RESOLVE_TIMEOUT_MS).unref()),
      ]);
    } catch (error) {
      if (error instanceof SendFailure) problems.push({ path, message: error.message });
    }
  }
  if (problems.length > 0)
    throw new ApiError(
      "validation_failed",
      `invalid ${type} config: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
      problems,
    );
}
