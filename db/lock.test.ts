import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { claimDataDir, releaseDataDir } from "./lock";

const root = mkdtempSync(path.join(tmpdir(), "tracedeck-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const modeOf = (dir: string) => statSync(dir).mode & 0o777;

describe("the data directory", () => {
  it("is created for its owner's eyes only", () => {
    const dir = path.join(root, "new", "data");
    claimDataDir(dir);
    releaseDataDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  it("is closed to others when it exists already open", () => {
    const dir = path.join(root, "open");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    claimDataDir(dir);
    releaseDataDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });
});
