import { z } from "zod";

export const SCOPES = ["ingest", "read", "admin"] as const;
export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;

/**
 * What an endpoint requires: a scope a key can hold, or `instance`: accounts, projects and instance-wide settings
 * (retention), which only a signed-in admin may see or change. Keys act within their own project; no key holds it.
 */
export type Access = Scope | "instance";

/** "ingest,read" → ["ingest", "read"]; unknown names are an error. */
export function parseScopes(list: string): Scope[] {
  const names = list
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) throw new Error(`no scopes given; choose from ${SCOPES.join(", ")}`);
  const unknown = names.filter((n) => !Scope.safeParse(n).success);
  if (unknown.length) throw new Error(`unknown scope ${unknown.join(", ")}; choose from ${SCOPES.join(", ")}`);
  return [...new Set(names)] as Scope[];
}

/** admin implies every other scope. */
export function hasScope(granted: readonly string[], needed: Scope): boolean {
  return granted.includes(needed) || granted.includes("admin");
}
