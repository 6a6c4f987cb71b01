// How numbers and times read on the dashboard.

/** 0.004 → "4 µs", 12.3 → "12.3 ms", 1530 → "1.53 s", 95000 → "1.6 min" */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms === 0) return "0 ms";
  if (ms < 1) return `${trim(ms * 1000)} µs`;
  if (ms < 1000) return `${trim(ms)} ms`;
  if (ms < 60_000) return `${trim(ms / 1000)} s`;
  if (ms < 3_600_000) return `${trim(ms / 60_000)} min`;
  return `${trim(ms / 3_600_000)} h`;
}

/** Three significant digits, without trailing zeros. */
function trim(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return "0/s";
  if (perSecond >= 1) return `${trim(perSecond)}/s`;
  if (perSecond * 60 >= 1) return `${trim(perSecond * 60)}/min`;
  return `${trim(perSecond * 3600)}/h`;
}

export function formatPercent(ratio: number): string {
  if (ratio === 0) return "0%";
  if (ratio < 0.001) return "<0.1%";
  return `${trim(ratio * 100)}%`;
}

export function formatCount(n: number): string {
  return new Intl.NumberFormat("en", {
    notation: n >= 10_000 ? "compact" : "standard",
    maximumFractionDigits: 1,
  }).format(n);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${trim(value)} ${units[unit]}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The calendar fields of a time, in the viewer's zone or in UTC (before the page knows the viewer's zone). */
function fields(date: Date, utc: boolean) {
  return utc
    ? [
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        date.getUTCHours(),
        date.getUTCMinutes(),
        date.getUTCSeconds(),
        date.getUTCMilliseconds(),
      ]
    : [
        date.getFullYear(),
        date.getMonth() + 1,
        date.getDate(),
        date.getHours(),
        date.getMinutes(),
        date.getSeconds(),
        date.getMilliseconds(),
      ];
}

export function formatTime(iso: string, utc = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const [y, mo, d, h, mi, sec, ms] = fields(date, utc) as [number, number, number, number, number, number, number];
  return `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(sec)}.${pad(ms, 3)}${utc ? " UTC" : ""}`;
}

/** Date and time to the minute: when a project, key or account was made or last used. */
export function formatDate(iso: string, utc = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const [y, mo, d, h, mi] = fields(date, utc) as [number, number, number, number, number];
  return `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}${utc ? " UTC" : ""}`;
}

/** Local date and time to the second, on the 24-hour clock the rest of the dashboard uses: a chart's tooltip. */
export function formatSecond(epochMs: number): string {
  const date = new Date(epochMs);
  if (Number.isNaN(date.getTime())) return "–";
  const [y, mo, d, h, mi, sec] = fields(date, false) as [number, number, number, number, number, number];
  return `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(sec)}`;
}
