import { describe, expect, it } from "vitest";
import { truncateUtf8, utf8Length } from "./text";

describe("utf8Length", () => {
  it("counts the bytes UTF-8 takes, as Buffer does", () => {
    for (const text of ["", "abc", "é", "好好", "𝕏", "a𝕏é好", "\ud800", "\udc00x", "x\ud800"]) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(Buffer.byteLength(text, "utf8"));
    }
  });
});

describe("truncateUtf8", () => {
  it("keeps a text that fits, and cuts a longer one at a character boundary", () => {
    expect(truncateUtf8("abc", 3)).toBe("abc");
    expect(truncateUtf8("好".repeat(400), 1024)).toBe("好".repeat(341));
    expect(truncateUtf8("a" + "𝕏".repeat(300), 1024)).toBe("a" + "𝕏".repeat(255));
    expect(utf8Length(truncateUtf8("é".repeat(1000), 1023))).toBe(1022);
  });
});
