import { describe, expect, it } from "vitest";
import { SERIES_PALETTE, serviceColor, seriesColors } from "./colors";

/** CIE L*a*b* of an sRGB colour, for the distance people see between two colours (ΔE 1976). */
function lab(hex: string): [number, number, number] {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const xyz = [
    (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
    0.2126 * r + 0.7152 * g + 0.0722 * b,
    (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
  ].map((t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116)) as [number, number, number];
  return [116 * xyz[1] - 16, 500 * (xyz[0] - xyz[1]), 200 * (xyz[1] - xyz[2])];
}
const distance = (a: string, b: string) => Math.hypot(...lab(a).map((v, i) => v - lab(b)[i]!));

describe("chart colours", () => {
  it("are far apart from each other and from the red of errors", () => {
    for (const [i, a] of SERIES_PALETTE.entries()) {
      expect(distance(a, "#dc2626"), `${a} vs error red`).toBeGreaterThan(25);
      for (const b of SERIES_PALETTE.slice(i + 1)) expect(distance(a, b), `${a} vs ${b}`).toBeGreaterThan(20);
    }
  });

  it("give every series of a chart its own colour, keeping a name's own colour when it is free", () => {
    const hosts = Array.from({ length: SERIES_PALETTE.length }, (_, i) => `db-${i}.internal:5432`);
    const colors = seriesColors(hosts);
    expect(new Set(colors).size).toBe(hosts.length);
    expect(colors[0]).toBe(serviceColor(hosts[0]!));
    // two names that hash alike still differ in one chart
    const byColor = new Map<string, string>();
    let clash: [string, string] | undefined;
    for (let i = 0; !clash; i++) {
      const name = `svc-${i}`;
      const other = byColor.get(serviceColor(name));
      if (other) clash = [other, name];
      else byColor.set(serviceColor(name), name);
    }
    const [first, second] = seriesColors(clash);
    expect(first).toBe(serviceColor(clash[0]));
    expect(second).not.toBe(first);
  });

  it("repeat in order past the palette's length", () => {
    const names = Array.from({ length: SERIES_PALETTE.length + 3 }, (_, i) => `s${i}`);
    const colors = seriesColors(names);
    expect(new Set(colors.slice(0, SERIES_PALETTE.length)).size).toBe(SERIES_PALETTE.length);
    expect(new Set(colors.slice(SERIES_PALETTE.length)).size).toBe(3);
  });
});
