// The channel form's state and the config it sends. Credentials (a webhook's signing secret, a Slack URL, an SMTP
// password, a PagerDuty routing key) come back from the API as ••••••: the form shows them empty, and one left
// empty on an edit is left out of the config, which keeps the stored value.
import type { AlertChannel, AlertChannelType } from "@/components/data/types";

export const CHANNEL_TYPES: Record<AlertChannelType, string> = {
  webhook: "Webhook",
  slack: "Slack",
  email: "Email (SMTP)",
  pagerduty: "PagerDuty",
};

/** What the API shows of a credential that is set. */
export const REDACTED = "••••••";

export interface ChannelDraft {
  name: string;
  type: AlertChannelType;
  enabled: boolean;
  url: string;
  secret: string;
  host: string;
  port: string;
  secure: boolean;
  username: string;
  password: string;
  from: string;
  /** recipients, separated by commas or spaces */
  to: string;
  routing_key: string;
}

export const EMPTY_CHANNEL: ChannelDraft = {
  name: "",
  type: "webhook",
  enabled: true,
  url: "",
  secret: "",
  host: "",
  port: "587",
  secure: false,
  username: "",
  password: "",
  from: "",
  to: "",
  routing_key: "",
};

const text = (value: unknown) => (typeof value === "string" && value !== REDACTED ? value : "");

/** The form filled in with a channel, its credentials empty. */
export function channelDraft(channel: AlertChannel): ChannelDraft {
  const c = channel.config;
  return {
    ...EMPTY_CHANNEL,
    name: channel.name,
    type: channel.type,
    enabled: channel.enabled,
    url: text(c.url),
    host: text(c.host),
    port: typeof c.port === "number" ? String(c.port) : EMPTY_CHANNEL.port,
    secure: c.secure === true,
    username: text(c.username),
    from: text(c.from),
    to: Array.isArray(c.to) ? c.to.filter((to) => typeof to === "string").join(", ") : "",
  };
}

/** Whether the channel has this credential set (the API shows it as ••••••). */
export const hasCredential = (channel: AlertChannel | undefined, key: string) => channel?.config[key] === REDACTED;

/** An optional field left empty is left out (JSON drops undefined): a credential then keeps its stored value. */
const given = (value: string) => value.trim() || undefined;

/** The config of the type chosen, from that type's fields only. */
export function channelConfig(d: ChannelDraft): Record<string, unknown> {
  switch (d.type) {
    case "webhook":
      return { url: d.url.trim(), secret: given(d.secret) };
    case "slack":
      return { url: given(d.url) };
    case "email":
      return {
        host: d.host.trim(),
        port: d.port.trim() === "" ? undefined : Number(d.port),
        secure: d.secure,
        username: given(d.username),
        password: given(d.password),
        from: d.from.trim(),
        to: d.to.split(/[\s,;]+/).filter(Boolean),
      };
    case "pagerduty":
      return { routing_key: given(d.routing_key), url: given(d.url) };
  }
}

/** Where a channel sends, in a line (credentials are not shown: a Slack URL is one). */
export function channelTarget(channel: AlertChannel): string {
  const c = channel.config;
  switch (channel.type) {
    case "webhook":
      return text(c.url);
    case "slack":
      return "a Slack incoming webhook";
    case "email":
      return Array.isArray(c.to) ? `to ${c.to.join(", ")}` : "";
    case "pagerduty":
      return text(c.url) || "PagerDuty Events API v2";
  }
}
