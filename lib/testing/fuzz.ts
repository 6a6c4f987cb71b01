import { mulberry32 } from "@/scripts/demo/random";

// What the fuzz tests send: hostile JSON values to put in place of any field of a valid body, and the means to
// put them there. Seeded, so that a failure is found again.

export const DEEP = 20_000;

/** `n` characters from the `range` characters at `base`, in no repeating order. */
export function varied(base: number, range: number, n: number): string {
  const next = mulberry32(12345);
  return Array.from({ length: n }, () => String.fromCharCode(base + Math.floor(next() * range))).join("");
}

/** Hostile JSON values, as the text put in place of a field. */
export const HOSTILE_JSON: { label: string; json: string }[] = [
  { label: "NUL", json: '"\\u0000"' },
  { label: "NUL inside", json: '"a\\u0000b"' },
  { label: "lone surrogate", json: '"\\ud800"' },
  { label: "1,024 two-byte chars", json: JSON.stringify("é".repeat(1024)) },
  { label: "1,024 four-byte chars", json: JSON.stringify("𝕏".repeat(1024)) },
  // varied, so that no compression brings them back under a btree row's size
  { label: "1,024 three-byte chars", json: JSON.stringify(varied(0x4e00, 20_000, 1024)) },
  { label: "1,024 two-byte chars, varied", json: JSON.stringify(varied(0x0400, 1000, 1024)) },
  { label: "100k chars", json: JSON.stringify("x".repeat(100_000)) },
  { label: "empty", json: '""' },
  { label: "1e13", json: "1e13" },
  { label: "1e308", json: "1e308" },
  { label: "-1e308", json: "-1e308" },
  { label: "1e40", json: "1e40" },
  { label: "2^31", json: "2147483648" },
  { label: "2^53+2", json: "9007199254740994" },
  { label: "2^63", json: "9223372036854775808" },
  { label: "2^64 as text", json: '"18446744073709551616"' },
  { label: "int64 max as text", json: '"9223372036854775807"' },
  { label: "-1", json: "-1" },
  { label: "0.5", json: "0.5" },
  { label: "null", json: "null" },
  { label: "true", json: "true" },
  { label: "[]", json: "[]" },
  { label: "{}", json: "{}" },
  { label: `${DEEP}-deep arrays`, json: "[".repeat(DEEP) + "]".repeat(DEEP) },
  { label: `${DEEP}-deep objects with NUL`, json: '{"a":'.repeat(DEEP) + '"\\u0000"' + "}".repeat(DEEP) },
];

/** Every path to a leaf (and to each object and array) of a JSON value. */
export function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value))
      out.push(...paths(v, [...prefix, Array.isArray(value) ? Number(k) : k]));
  return out;
}

const MARK = "__HOSTILE__";

/** The item's JSON text with the value at `path` replaced by raw JSON text. */
export function mutate(item: unknown, path: (string | number)[], json: string): string {
  const copy = structuredClone(item) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = MARK;
  return JSON.stringify(copy).replace(`"${MARK}"`, () => json);
}

/** Integers below `n`, seeded. */
export function generator(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => Math.floor(next() * n);
}

/** A message with a few bytes changed, cut short, or with noise added somewhere: which of the three, and the bytes. */
export function mutateBytes(bytes: Uint8Array, random: (n: number) => number): { how: string; body: Buffer } {
  const mutated = Buffer.from(bytes);
  const how = random(3);
  if (how === 0) {
    for (let n = 1 + random(4); n > 0; n--) mutated[random(mutated.length)] = random(256);
    return { how: "changed", body: mutated };
  }
  if (how === 1) return { how: "cut", body: mutated.subarray(0, random(mutated.length)) };
  const at = random(mutated.length);
  const noise = Buffer.from(Array.from({ length: 1 + random(16) }, () => random(256)));
  return { how: "added", body: Buffer.concat([mutated.subarray(0, at), noise, mutated.subarray(at)]) };
}
