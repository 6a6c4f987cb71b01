// Time ranges as the URL carries them: relative (`now-1h` … `now`) or absolute (RFC 3339).

export const PRESETS = [
  { from: "now-5m", label: "Last 5 minutes" },
  { from: "now-15m", label: "Last 15 minutes" },
  { from: "now-1h", label: "Last 1 hour" },
  { from: "now-6h", label: "Last 6 hours" },
  { from: "now-24h", label: "Last 24 hours" },
  { from: "now-7d", label: "Last 7 days" },
] as const;

const UNITS: Record<string, [number, string]> = {
  s: [1000, "second"],
  m: [60_000, "minute"],
  h: [3_600_000, "hour"],
  d: [86_400_000, "day"],
  w: [604_800_000, "week"],
};

/** Milliseconds before now of `now-<n><unit>`, 0 for `now`, undefined for anything else. */
export function relativeOffsetMs(value: string): number | undefined {
  const match = /^now(?:-(\d{1,6})([smhdw]))?$/.exec(value);
  if (!match) return undefined;
  return match[1] ? Number(match[1]) * UNITS[match[2]!]![0] : 0;
}

/** The range as absolute epoch milliseconds, at `nowMs`. */
export function resolveRangeMs(from: string, to: string, nowMs: number): { fromMs: number; toMs: number } | undefined {
  const at = (value: string) => {
    const offset = relativeOffsetMs(value);
    if (offset !== undefined) return nowMs - offset;
    const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  const fromMs = at(from);
  const toMs = at(to);
  return fromMs === undefined || toMs === undefined ? undefined : { fromMs, toMs };
}

/** The range in words; `utc` names absolute ends in UTC (before the page knows the viewer's zone). */
export function describeRange(from: string, to: string, utc = false): string {
  const preset = PRESETS.find((p) => p.from === from);
  if (preset && to === "now") return preset.label;
  const offset = relativeOffsetMs(from);
  if (offset !== undefined && to === "now") {
    const match = /^now-(\d+)([smhdw])$/.exec(from);
    if (match) return `Last ${match[1]} ${UNITS[match[2]!]![1]}${match[1] === "1" ? "" : "s"}`;
  }
  const end = (value: string) => {
    if (!utc) return localInput(value).replace("T", " ");
    const at = resolveRangeMs(value, value, Date.now());
    return at ? `${new Date(at.fromMs).toISOString().slice(0, 16).replace("T", " ")} UTC` : value;
  };
  return `${end(from)} → ${end(to)}`;
}

/** A `datetime-local` input's value (local time, to the minute) for a URL time. */
export function localInput(value: string, nowMs = Date.now()): string {
  const range = resolveRangeMs(value, value, nowMs);
  if (!range) return "";
  const date = new Date(range.fromMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
