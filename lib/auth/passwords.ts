import { dictionary } from "@zxcvbn-ts/language-common";
import { z } from "zod";

// What a new password must be: at least 12 characters, and not one of the passwords attackers try first. The list
// is the common-password dictionary of zxcvbn-ts (npm @zxcvbn-ts/language-common, MIT): about 49,000 passwords
// ranked by how often they appear in published breach corpora. Passwords set before these rules still sign in.

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

let common: Set<string> | undefined;
const isCommon = (password: string) => (common ??= new Set(dictionary["passwords-common"])).has(password);

/** Why a password may not be chosen, or undefined when it may. */
export function passwordProblem(password: string): string | undefined {
  const lower = password.toLowerCase();
  if (isCommon(lower)) return "is one of the most common passwords; choose another";
  // "password123!", "!!iloveyou2024": a common password with digits or symbols around it
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, "");
  if (core !== lower && isCommon(core)) return "is a common password with digits or symbols added; choose another";
  if (new Set(lower).size <= 2) return "repeats one or two characters; choose another";
  return undefined;
}

/** A password being chosen: at setup, by an admin for an account, in TRACEDECK_ADMIN_PASSWORD, or when changed. */
export const NewPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)
  .superRefine((password, ctx) => {
    const problem = passwordProblem(password);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
