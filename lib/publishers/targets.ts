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

/** A place a config sends to: the field naming it, and the host and port it connects to. */
export interface Target {
  path: string;
  host: string;
  port: number;
}

/** The host and port a URL connects to. */
export function urlTarget(path: string, target: string): Target {
  const url = new URL(target);
  return { path, host: url.hostname, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)) };
}

/**
 * Refuses targets the guard would not connect to with a 400 naming each field (resolved here; a name that does not
 * resolve passes). `what` names the config in the message.
 */
export async function checkAddresses(targets: Target[], guard: TargetGuard, what: string): Promise<void> {
  if (guard.allowsAll) return;
  const problems: { path: string; message: string }[] = [];
  for (const { path, host, port } of targets) {
    try {
      await Promise.race([
        allowedAddresses(guard, host, port),
        new Promise((resolve) => setTimeout(resolve, RESOLVE_TIMEOUT_MS).unref()),
      ]);
    } catch (error) {
      if (error instanceof SendFailure) problems.push({ path, message: error.message });
    }
  }
  if (problems.length > 0)
    throw new ApiError(
      "validation_failed",
      `invalid ${what}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
      problems,
    );
}

/** Refuses a config whose targets the guard would not connect to. */
export function checkTargets(type: PublisherType, config: Record<string, unknown>, guard: TargetGuard): Promise<void> {
  return checkAddresses(
    targetUrls(type, config).map(([path, url]) => urlTarget(path, url)),
    guard,
    `${type} config`,
  );
}
