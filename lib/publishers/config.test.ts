import { describe, expect, it } from "vitest";
import { textWithoutUserInfo, validateConfig, withoutUserInfo } from "./config";

describe("publisher targets", () => {
  it("refuse a URL that carries user-info, in any case of its scheme", () => {
    for (const url of [
      "http://user:pw@es.example:9200",
      "HTTP://user:pw@es.example:9200",
      "https://user@hooks.example/x",
      "http://user:pa ss@hooks.example.com/x",
      "http://user:p@ss@hooks.example.com/x",
    ])
      expect(() => validateConfig("webhook", { url }), url).toThrow(/must not carry credentials/);
    for (const url of ["HTTPS://hooks.example/x?to=ops@example.com", "https://hooks.example/x?to=a,b@example.com"])
      expect(validateConfig("webhook", { url })).toMatchObject({ url });
  });

  it("lose their user-info wherever they are shown, with or without a scheme", () => {
    expect(withoutUserInfo("https://elastic:changeme@es.example:9200/")).toBe("https://es.example:9200/");
    expect(withoutUserInfo("HTTP://u:p@host")).toBe("HTTP://host");
    expect(withoutUserInfo("elastic:changeme@es.example:9200")).toBe("es.example:9200");
    for (const kept of [
      "localhost:9464",
      "https://es.example/path@x",
      "https://hooks.example/?to=a@b",
      "a:9200,b:9200",
    ])
      expect(withoutUserInfo(kept)).toBe(kept);
  });

  it("lose the whole of a password that holds an @, a space or a comma, and every member's in a list", () => {
    expect(withoutUserInfo("http://user:p@ss@es.example:9200/")).toBe("http://es.example:9200/");
    expect(withoutUserInfo("http://user:pa ss@es.example:9200/")).toBe("http://es.example:9200/");
    expect(withoutUserInfo("http://user:p,w@es.example:9200/")).toBe("http://es.example:9200/");
    expect(withoutUserInfo("es1:9200,http://u:pw@es2:9200")).toBe("es1:9200,http://es2:9200");
    for (const target of [
      "http://es1:9200,u:pw@es2:9200",
      "http://u:p,w@a:9200,u2:p2@b:9200",
      "u:pw@a:9200,u2:pw2@b:9200",
    ])
      expect(withoutUserInfo(target), target).not.toMatch(/pw|p2|p,w/);
  });

  it("lose the user-info of every URL in an error message", () => {
    expect(textWithoutUserInfo("POST http://u:secret@es.example:9200/_bulk failed; then https://a:b@c/x too")).toBe(
      "POST http://es.example:9200/_bulk failed; then https://c/x too",
    );
    expect(textWithoutUserInfo("ops@example.com could not reach es.example")).toBe(
      "ops@example.com could not reach es.example",
    );
  });
});
