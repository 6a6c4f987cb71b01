import { describe, expect, it } from "vitest";
import { TraceState } from "./trace-state";

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i)).join("");
const KEY_CHARS = `${range(0x61, 0x7a)}0123456789_-*/@`;
/** Printable ASCII without `,` (0x2c) and `=` (0x3d), starting with a space: only a trailing space is forbidden. */
const VALUE_CHARS = range(0x20, 0x2b) + range(0x2d, 0x3c) + range(0x3e, 0x7e);
const members = (count: number, prefix = "k") => Array.from({ length: count }, (_, i) => `${prefix}${i}=v${i}`);

describe("TraceState.parse", () => {
  it.each([
    { rule: "one member", header: "congo=t61rcWkgMzE", entries: [["congo", "t61rcWkgMzE"]] },
    {
      rule: "order is kept",
      header: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
      entries: [
        ["rojo", "00f067aa0ba902b7"],
        ["congo", "t61rcWkgMzE"],
      ],
    },
    {
      rule: "spaces and tabs around members",
      header: " a=1 ,\tb=2\t",
      entries: [
        ["a", "1"],
        ["b", "2"],
      ],
    },
    {
      rule: "empty members are skipped",
      header: "a=1,,  ,b=2,",
      entries: [
        ["a", "1"],
        ["b", "2"],
      ],
    },
    { rule: "empty header", header: "", entries: [] },
    { rule: "key with every allowed character", header: "a0_-*/=x", entries: [["a0_-*/", "x"]] },
    { rule: "multi-tenant key", header: "tenant1@vendor_x=x", entries: [["tenant1@vendor_x", "x"]] },
    {
      rule: "multi-tenant key whose tenant starts with a digit",
      header: "1tenant@vendor=x",
      entries: [["1tenant@vendor", "x"]],
    },
    // Level 2 has one key rule, with @ among the characters after the first
    { rule: "a key starting with a digit", header: "1a=1", entries: [["1a", "1"]] },
    {
      rule: "a key ending in @",
      header: "foo@=1,bar=2",
      entries: [
        ["foo@", "1"],
        ["bar", "2"],
      ],
    },
    { rule: "a key of one letter and @", header: "t@=1", entries: [["t@", "1"]] },
    { rule: "two @ in a row", header: "foo@@bar=1", entries: [["foo@@bar", "1"]] },
    { rule: "two @ in a key", header: "foo@bar@baz=1", entries: [["foo@bar@baz", "1"]] },
    { rule: "a digit after @", header: "t@1s=x", entries: [["t@1s", "x"]] },
    { rule: "15 characters after @", header: `t@${"s".repeat(15)}=x`, entries: [[`t@${"s".repeat(15)}`, "x"]] },
    { rule: "242 characters before @", header: `${"t".repeat(242)}@v=x`, entries: [[`${"t".repeat(242)}@v`, "x"]] },
    {
      rule: "a key with @ of 256 characters",
      header: `${"t".repeat(241)}@${"v".repeat(14)}=x`,
      entries: [[`${"t".repeat(241)}@${"v".repeat(14)}`, "x"]],
    },
    { rule: "value with inner spaces and punctuation", header: "a=hello world!~", entries: [["a", "hello world!~"]] },
    { rule: "value starting with a space", header: "a= x", entries: [["a", " x"]] },
    { rule: "key of 256 characters", header: `${"k".repeat(256)}=v`, entries: [["k".repeat(256), "v"]] },
    { rule: "value of 256 characters", header: `a=${"v".repeat(256)}`, entries: [["a", "v".repeat(256)]] },
    {
      rule: "spaces and tabs mixed around commas",
      header: "a=1 \t , \t b=2",
      entries: [
        ["a", "1"],
        ["b", "2"],
      ],
    },
    {
      rule: "every character a key and a value may hold",
      header: `${KEY_CHARS}=${VALUE_CHARS}`,
      entries: [[KEY_CHARS, VALUE_CHARS]],
    },
    { rule: "exactly 32 members", header: members(32).join(","), entries: members(32).map((m) => m.split("=")) },
    {
      rule: "a duplicate key, keeping its first value and the rest of the list",
      header: "a=1,b=2,a=3,c=4",
      entries: [
        ["a", "1"],
        ["b", "2"],
        ["c", "4"],
      ],
    },
    { rule: "the same member twice", header: "foo=1,foo=1", entries: [["foo", "1"]] },
  ])("accepts $rule", ({ header, entries }) => {
    expect(TraceState.parse(header)?.entries()).toEqual(entries);
  });

  it.each([
    { rule: "33 members", header: members(33).join(",") },
    { rule: "33 members of which one repeats a key", header: [...members(32), "k0=again"].join(",") },
    { rule: "a member without =", header: "a=1,b" },
    { rule: "an empty key", header: "=1" },
    { rule: "an empty value", header: "a=" },
    { rule: "a key with uppercase letters", header: "Congo=1" },
    { rule: "a key with a space before =", header: "a =1" },
    { rule: "a key of 257 characters", header: `${"k".repeat(257)}=v` },
    { rule: "a value of 257 characters", header: `a=${"v".repeat(257)}` },
    { rule: "a value containing =", header: "a=b=c" },
    { rule: "a value with a non-ASCII character", header: "a=caf\u00e9" },
    { rule: "a value with a control character", header: "a=x\u0001y" },
    { rule: "a key with @ of 257 characters", header: `${"t".repeat(241)}@${"v".repeat(15)}=x` },
    { rule: "a key starting with @", header: "@s=1,b=2" },
    { rule: "a key starting with _", header: "_a=1,b=2" },
    { rule: "a key with a dot", header: "foo.bar=1,b=2" },
    { rule: "an empty value before a valid member", header: "a=,b=3" },
  ])("discards the whole header for $rule", ({ header }) => {
    expect(TraceState.parse(header)).toBeUndefined();
  });

  it("reads several header values as one list", () => {
    expect(TraceState.parse(["a=1", "b=2, c=3"])?.entries()).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["c", "3"],
    ]);
    expect(TraceState.parse(["", "a=1"])?.entries()).toEqual([["a", "1"]]);
    expect(TraceState.parse(["a=1", "a=2"])?.entries()).toEqual([["a", "1"]]);
    expect(TraceState.parse([members(20).join(","), members(13, "x").join(",")])).toBeUndefined();
  });
});

describe("TraceState changes", () => {
  const state = TraceState.parse("a=1,b=2,c=3")!;

  it("set puts a new key first and moves an updated key first", () => {
    expect(state.set("d", "4").serialize()).toBe("d=4,a=1,b=2,c=3");
    expect(state.set("c", "9").serialize()).toBe("c=9,a=1,b=2");
    expect(state.serialize()).toBe("a=1,b=2,c=3");
  });

  it("set takes any Level 2 key", () => {
    expect(state.set("1a", "x").set("vendor@", "y").get("1a")).toBe("x");
  });

  it("set refuses what the header cannot carry", () => {
    expect(() => state.set("Bad", "1")).toThrow(RangeError);
    expect(() => state.set("@vendor", "1")).toThrow(RangeError);
    expect(() => state.set("ok", "a,b")).toThrow(RangeError);
    expect(() => state.set("ok", "trailing ")).toThrow(RangeError);
  });

  it("get and delete", () => {
    expect(state.get("b")).toBe("2");
    expect(state.get("z")).toBeUndefined();
    expect(state.delete("b").serialize()).toBe("a=1,c=3");
    expect(state.delete("z")).toBe(state);
    expect(state.size).toBe(3);
  });

  it("entries cannot change the state", () => {
    const entries = state.entries();
    entries[0]![1] = "changed";
    entries.pop();
    expect(state.serialize()).toBe("a=1,b=2,c=3");
  });
});

describe("TraceState.serialize", () => {
  it("keeps the first 32 members", () => {
    let state = TraceState.empty;
    for (let i = 40; i > 0; i--) state = state.set(`k${i}`, "v");
    const sent = state.serialize().split(",");
    expect(sent).toHaveLength(32);
    expect(sent[0]).toBe("k1=v");
    expect(sent[31]).toBe("k32=v");
  });

  it("drops members over 128 characters from the end first, then any from the end, to fit 512 characters", () => {
    const large = (key: string) => `${key}=${"x".repeat(150)}`;
    const small = (key: string) => `${key}=${"y".repeat(60)}`;
    // 3 large (153 each) + 5 small (63 each) + 7 commas = 781
    const header = [
      large("l1"),
      small("s1"),
      large("l2"),
      small("s2"),
      small("s3"),
      large("l3"),
      small("s4"),
      small("s5"),
    ].join(",");
    const state = TraceState.parse(header)!;
    // removing l3 then l2 leaves 153 + 315 + 5 = 473, which fits: l1 stays, the small ones all stay
    expect(state.serialize()).toBe(
      [large("l1"), small("s1"), small("s2"), small("s3"), small("s4"), small("s5")].join(","),
    );
  });

  it("drops small members from the end once no large ones are left", () => {
    const header = members(9, "key")
      .map((member) => `${member}${"z".repeat(60)}`)
      .join(",");
    const sent = TraceState.parse(header)!.serialize();
    expect(sent.length).toBeLessThanOrEqual(512);
    expect(sent).toBe(header.split(",").slice(0, 7).join(","));
  });

  it("leaves a header within the limits unchanged", () => {
    const header = members(32).join(",");
    expect(TraceState.parse(header)!.serialize()).toBe(header);
  });
});
