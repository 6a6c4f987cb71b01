import { describe, expect, it } from "vitest";
import { NewPassword, passwordProblem } from "./passwords";

describe("new passwords", () => {
  it("have at least 12 characters", () => {
    expect(NewPassword.safeParse("eleven char").error?.issues[0]?.message).toBe("must be at least 12 characters");
    expect(NewPassword.safeParse("twelve chars").success).toBe(true);
  });

  it("are not common passwords, nor common ones with digits or symbols added", () => {
    for (const password of ["password1234", "QWERTYUIOP12", "1qaz2wsx3edc", "iloveyou2024!", "!!Dragon123456"]) {
      expect(passwordProblem(password), password).toMatch(/common password/);
    }
    expect(passwordProblem("zzzzzzzzzzzzzz")).toMatch(/repeats/);
    expect(passwordProblem("abababababab")).toMatch(/repeats/);
    for (const password of ["correct horse battery", "viewer password 123", "tracedeck on call 7"]) {
      expect(passwordProblem(password), password).toBeUndefined();
    }
  });
});
