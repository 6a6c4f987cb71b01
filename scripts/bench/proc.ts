import { readdirSync, readFileSync, writeFileSync } from "node:fs";

// What the benchmarks read of processes in /proc: CPU time and resident memory.

/** CPU time (user + system, in clock ticks of 10 ms) the processes that match have used. */
export function cpuTicks(matches: (pid: number, cmdline: string) => boolean): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!matches(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8"))) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while we looked
    }
  }
  return ticks;
}

/** Peak RSS of a process since the last reset (Linux: VmHWM; writing 5 to clear_refs resets it). */
const statusBytes = (pid: number, field: "VmHWM" | "VmRSS") =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024;
export const peakRss = (pid: number) => statusBytes(pid, "VmHWM");
export const currentRss = (pid: number) => statusBytes(pid, "VmRSS");
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // without the right to reset it, the peak is the process's whole life's
  }
}
