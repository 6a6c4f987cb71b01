// A service keeps its colour everywhere: the same name always hashes to the same hue. Within one chart, series
// never share a colour: a name whose hue is taken by an earlier series gets the next free one.

// distinct hues (Tableau 10 without its red, which marks errors, and with a dark blue and a deep violet), ordered so
// that neighbours differ most
const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#ff9da7",
  "#9c755f",
  "#1f3b73",
  "#5e3c99",
  "#bab0ac",
];

export const SERIES_PALETTE: readonly string[] = PALETTE;

function hashIndex(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return (hash >>> 0) % PALETTE.length;
}

export function serviceColor(service: string): string {
  return PALETTE[hashIndex(service)]!;
}

/**
 * One colour per series of a chart, in the order given: each its name's colour unless an earlier series has it,
 * then the next colour no series has. Past the palette's length colours repeat, in the same order.
 */
export function seriesColors(names: readonly string[]): string[] {
  const taken = new Set<number>();
  return names.map((name) => {
    if (taken.size === PALETTE.length) taken.clear();
    let index = hashIndex(name);
    while (taken.has(index)) index = (index + 1) % PALETTE.length;
    taken.add(index);
    return PALETTE[index]!;
  });
}
