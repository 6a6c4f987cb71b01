/**
 * The W3C `tracestate` header: vendor-specific key/value pairs that travel with a trace.
 * https://www.w3.org/TR/trace-context-2/#tracestate-header
 */

/** The spec allows at most 32 list members; a header with more is discarded whole. */
export const MAX_TRACE_STATE_MEMBERS = 32;
/** Vendors must propagate at least this many characters; we send no more, so proxies never cut the header. */
export const MAX_TRACE_STATE_LENGTH = 512;
/** Members longer than this are the first to go when the header must be shortened (spec truncation rule 1). */
const LARGE_MEMBER_LENGTH = 128;

/**
 * Level 2's `key = (lcalpha / DIGIT) 0*255(keychar)`, where `keychar` includes `@`. Level 1's
 * multi-tenant form `tenant@system` is one case of it, so `1a`, `t@`, `t@1s` and `a@b@c` are keys too.
 */
const KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
/** Printable ASCII except `,` and `=`, 1 to 256 characters, not ending in a space. */
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
/** Optional whitespace (OWS) as HTTP defines it: spaces and horizontal tabs only. */
const SURROUNDING_OWS = /^[ \t]+|[ \t]+$/g;

function isValidTraceStateKey(key: string): boolean {
  return KEY.test(key);
}

function isValidTraceStateValue(value: string): boolean {
  return VALUE.test(value);
}

/**
 * An immutable, ordered list of vendor entries, most recently updated first.
 * Every change returns a new `TraceState`, so a context that shares one with its children can
 * never see it change underneath.
 */
export class TraceState {
  static readonly empty = new TraceState([]);

  readonly #members: readonly (readonly [key: string, value: string])[];

  private constructor(members: readonly (readonly [string, string])[]) {
    this.#members = members;
    Object.freeze(this);
  }

  /**
   * Reads one or more `tracestate` header values (several headers are one list, joined by commas).
   *
   * A key that appears again keeps its first value: the later member is dropped and the rest of the
   * list is kept, as the spec allows ("vendors MAY also discard duplicate keys") and as the W3C test
   * suite's own parser does.
   *
   * Returns `undefined` when the header must be discarded: a malformed member or more than 32
   * members (duplicates count: the limit is on the list as sent). The spec lets a vendor drop
   * either the bad member or the whole header; we drop the whole header, because a partly
   * understood list could pass on entries whose meaning depended on the ones we removed, and the
   * W3C test suite at strict level 2 expects it.
   * Empty members (`a=1,,b=2`) are allowed by the spec and skipped.
   */
  static parse(header: string | readonly string[]): TraceState | undefined {
    const list = typeof header === "string" ? header : header.join(",");
    const members = new Map<string, string>();
    let listed = 0;
    for (const rawMember of list.split(",")) {
      const member = rawMember.replace(SURROUNDING_OWS, "");
      if (member === "") continue;
      if (++listed > MAX_TRACE_STATE_MEMBERS) return undefined;
      const equals = member.indexOf("=");
      if (equals === -1) return undefined;
      const key = member.slice(0, equals);
      const value = member.slice(equals + 1);
      if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return undefined;
      if (!members.has(key)) members.set(key, value);
    }
    return members.size === 0 ? TraceState.empty : new TraceState([...members]);
  }

  get size(): number {
    return this.#members.length;
  }

  get(key: string): string | undefined {
    return this.#members.find(([memberKey]) => memberKey === key)?.[1];
  }

  /**
   * Adds or updates a vendor entry and moves it to the front, as the spec requires for the
   * entry a vendor just wrote. Throws a `RangeError` for a key or value the header cannot carry,
   * since sending it anyway would make every receiver discard the whole header.
   */
  set(key: string, value: string): TraceState {
    if (!isValidTraceStateKey(key)) throw new RangeError(`invalid tracestate key: ${JSON.stringify(key)}`);
    if (!isValidTraceStateValue(value)) throw new RangeError(`invalid tracestate value: ${JSON.stringify(value)}`);
    return new TraceState([[key, value], ...this.#members.filter(([memberKey]) => memberKey !== key)]);
  }

  delete(key: string): TraceState {
    if (this.get(key) === undefined) return this;
    return new TraceState(this.#members.filter(([memberKey]) => memberKey !== key));
  }

  entries(): [key: string, value: string][] {
    return this.#members.map(([key, value]) => [key, value]);
  }

  /**
   * The header value to send: at most 32 members and 512 characters. Extra members are dropped
   * from the end (the oldest entries); if the text is still too long, members over 128 characters
   * go first, from the end, then any members from the end — the spec's truncation order.
   */
  serialize(): string {
    const members = this.#members.slice(0, MAX_TRACE_STATE_MEMBERS).map(([key, value]) => `${key}=${value}`);
    const length = () => members.join(",").length;
    while (length() > MAX_TRACE_STATE_LENGTH) {
      const largest = members.findLastIndex((member) => member.length > LARGE_MEMBER_LENGTH);
      if (largest === -1) break;
      members.splice(largest, 1);
    }
    while (length() > MAX_TRACE_STATE_LENGTH) members.pop();
    return members.join(",");
  }

  toString(): string {
    return this.serialize();
  }
}
