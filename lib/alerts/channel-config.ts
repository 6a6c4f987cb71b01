import type { alertChannels, ChannelType } from "@/db/schema";
import { REDACTED } from "@/lib/publishers/manage";
import { isSealed, openSecret, sealSecret, secretKey, SecretUnreadable } from "@/lib/publishers/secrets";
import { CHANNEL_SECRETS } from "./channels";

// A channel's credentials (a signing secret, a Slack webhook URL, an SMTP password, a PagerDuty routing
// key) are sealed at rest with the server's key, bound to the channel as a publisher's are bound to the
// publisher, and never returned: the API shows that one is set.

type ChannelRow = Pick<typeof alertChannels.$inferSelect, "id" | "projectId" | "type" | "config">;

const scopeOf = (channel: Pick<ChannelRow, "id" | "projectId">) => ({
  projectId: channel.projectId,
  publisherId: `alert-channel:${channel.id}`,
});

/** The config as stored: each credential sealed (one sealed already is kept). */
export function sealChannelConfig(
  channel: Pick<ChannelRow, "id" | "projectId" | "type">,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...config };
  for (const key of CHANNEL_SECRETS[channel.type]) {
    const value = out[key];
    if (typeof value === "string" && value !== "" && !isSealed(value))
      out[key] = sealSecret(value, secretKey().key, scopeOf(channel), key);
  }
  return out;
}

/** The config as used: every credential opened; throws SecretUnreadable when one does not open with this key. */
export function openChannelConfig(channel: ChannelRow): Record<string, unknown> {
  const out = { ...channel.config };
  for (const key of CHANNEL_SECRETS[channel.type]) {
    const value = out[key];
    if (!isSealed(value)) continue;
    const { key: bytes, source } = secretKey();
    try {
      out[key] = openSecret(value, bytes, scopeOf(channel), key);
    } catch {
      throw new SecretUnreadable(key, source);
    }
  }
  return out;
}

/** The config as the API shows it: credentials replaced by REDACTED. */
export function redactChannelConfig(type: ChannelType, config: Record<string, unknown>): Record<string, unknown> {
  const out = { ...config };
  for (const key of CHANNEL_SECRETS[type]) if (typeof out[key] === "string" && out[key] !== "") out[key] = REDACTED;
  return out;
}

/** An edited config: a credential sent back as REDACTED (or left out) keeps its stored value. */
export function mergeChannelConfig(
  type: ChannelType,
  stored: Record<string, unknown>,
  edited: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...edited };
  for (const key of CHANNEL_SECRETS[type])
    if ((out[key] === undefined || out[key] === REDACTED) && stored[key] !== undefined) out[key] = stored[key];
  return out;
}
