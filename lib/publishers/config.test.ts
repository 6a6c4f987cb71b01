import { describe, expect, it } from "vitest";
import { validateConfig, withoutUserInfo } from "./config";

describe("publisher targets", () => {
  it("refuse a URL that carries user-info, in any case of its scheme", () => {
    for (const url of [
      "http://user:pw@es.example:9200",
      "HTTP://user:pw@es.example:9200",
      "https://user@hooks.example/x",
    ])
      expect(() => validateConfig("webhook", { url }), url).toThrow(/must not carry credentials/);
    expect(validateConfig("webhook", { url: "HTTPS://hooks.example/x?to=ops@example.com" })).toMatchObject({
      url: "HTTPS://hooks.example/x?to=ops@example.com",
    });
  });

  it("lose their user-info wherever they are shown, with or without a scheme", () => {
    expect(withoutUserInfo("https://elastic:changeme@es.example:9200/")).toBe("https://es.example:9200/");
    expect(withoutUserInfo("HTTP://u:p@host")).toBe("HTTP://host");
    expect(withoutUserInfo("elastic:changeme@es.example:9200")).toBe("es.example:9200");
    for (const kept of ["localhost:9464", "https://es.example/path@x", "https://hooks.example/?to=a@b"])
      expect(withoutUserInfo(kept)).toBe(kept);
  });
});
