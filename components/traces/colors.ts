// A service keeps its colour everywhere: the same name always hashes to the same hue.

// distinct hues, none of them the red that marks errors
const PALETTE = [
  "#2563eb",
  "#9333ea",
  "#059669",
  "#d97706",
  "#db2777",
  "#0891b2",
  "#65a30d",
  "#92400e",
  "#4f46e5",
  "#0f766e",
  "#ca8a04",
  "#64748b",
];

export function serviceColor(service: string): string {
  let hash = 2166136261;
  for (let i = 0; i < service.length; i++) hash = Math.imul(hash ^ service.charCodeAt(i), 16777619);
  return PALETTE[(hash >>> 0) % PALETTE.length]!;
}
