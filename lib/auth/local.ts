import { timingSafeEqual } from "node:crypto";
import { getAppDatabase } from "@/db";
import { ApiError } from "@/lib/errors";
import { KeysCommand, runKeysCommand } from "./keys";

// While the server owns an embedded data directory, the keys CLI cannot open it and asks the
// server instead, proving with the token the server left in that directory that it may.

export const LOCAL_TOKEN_HEADER = "x-tracedeck-local-token";

export async function runLocalKeysCommand({ headers, input }: { headers: Headers; input: unknown }): Promise<unknown> {
  const { database, owner } = await getAppDatabase();
  const presented = Buffer.from(headers.get(LOCAL_TOKEN_HEADER) ?? "");
  const expected = Buffer.from(owner?.localToken ?? "");
  if (expected.length === 0 || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new ApiError("unauthorized", "not a local administration request");
  }
  return runKeysCommand({ db: database.db, input: KeysCommand.parse(input) });
}
