// A seeded random generator: the same --seed gives the same shop, which makes the generator
// testable and a demo reproducible.

/** mulberry32: 32 bits of state, fast, and good enough for made-up telemetry. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function hexOf(next: () => number, bytes: number): string {
  let out = "";
  for (let i = 0; i < bytes; i++)
    out += Math.floor(next() * 256)
      .toString(16)
      .padStart(2, "0");
  return out;
}

export class Random {
  private readonly next: () => number;
  private readonly nextForIds: () => number;

  /**
   * @param idSalt varies the trace, span and task ids alone: two runs with one seed make the same
   * traffic, and the second's records do not collide with the first's (the server keeps the first
   * record of an id and drops the later ones).
   */
  constructor(
    readonly seed: number,
    idSalt = 0,
  ) {
    this.next = mulberry32(seed);
    this.nextForIds = mulberry32((seed ^ idSalt ^ 0x9e3779b9) >>> 0);
  }

  /** A uniform number in [0, 1). */
  float(): number {
    return this.next();
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** A uniform number in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** An item chosen with probability proportional to its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let left = this.next() * total;
    for (const [item, weight] of choices) {
      left -= weight;
      if (left < 0) return item;
    }
    return this.pick(choices)[0];
  }

  /**
   * A latency in ms around `median`, with the long right tail real latencies have (log-normal),
   * capped at `max` so that a normal request never looks like a slow one.
   */
  latency(median: number, max: number, spread = 0.5): number {
    const u = 1 - this.next();
    const v = this.next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.min(max, median * Math.exp(spread * normal));
  }

  /** The wait until the next arrival of a Poisson process with `perSecond` arrivals, in ms. */
  arrivalGap(perSecond: number): number {
    return (-Math.log(1 - this.next()) / perSecond) * 1000;
  }

  /** Lowercase hex of `bytes` random bytes. */
  hex(bytes: number): string {
    return hexOf(this.next, bytes);
  }

  /** A trace, span or task id of `bytes` bytes in hex, never all zeros (W3C trace context forbids it). */
  id(bytes: number): string {
    const id = hexOf(this.nextForIds, bytes);
    return /^0+$/.test(id) ? this.id(bytes) : id;
  }
}

export const randomSeed = (): number => Math.floor(Math.random() * 2 ** 32);
