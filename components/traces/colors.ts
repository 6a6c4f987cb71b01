// A service keeps its colour everywhere: the same name always hashes to the same hue.

const PALETTE = ["#0284c7", "#7c3aed", "#059669", "#d97706", "#db2777", "#4f46e5", "#0d9488", "#b45309", "#9333ea", "#2563eb", "#65a30d", "#c2410c"];

export function serviceColor(service: string): string {
  let hash = 2166136261;
  for (let i = 0; i < service.length; i++) hash = Math.imul(hash ^ service.charCodeAt(i), 16777619);
  return PALETTE[(hash >>> 0) % PALETTE.length]!;
}
