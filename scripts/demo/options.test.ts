import { describe, expect, it } from "vitest";
import { parseOptions } from "./options";

describe("the demo's options", () => {
  it("sends to the port npm start serves on: TRACEDECK_URL, else PORT, else 3000", () => {
    expect(parseOptions([], {}).url).toBe("http://localhost:3000");
    expect(parseOptions([], { PORT: "4100" }).url).toBe("http://localhost:4100");
    expect(parseOptions([], { PORT: " " }).url).toBe("http://localhost:3000");
    expect(parseOptions([], { PORT: "4100", TRACEDECK_URL: "http://box:5000/" }).url).toBe("http://box:5000");
    expect(parseOptions(["--url", "http://other:1234"], { PORT: "4100" }).url).toBe("http://other:1234");
  });

  it("refuses a PORT that is no port, naming it", () => {
    for (const port of ["abc", "0", "70000", "3000.5"])
      expect(() => parseOptions([], { PORT: port })).toThrow(`PORT must be a port number (1-65535), not "${port}"`);
  });

  it("fills the project it is given, default otherwise", () => {
    expect(parseOptions([], {}).project).toBe("default");
    expect(parseOptions(["--project", "shop"], {}).project).toBe("shop");
  });
});
