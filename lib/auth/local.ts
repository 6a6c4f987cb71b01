import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { getAppDatabase } from "@/db";
import { ApiError } from "@/lib/http/errors";
import { createApiKey, listApiKeys, revokeApiKey } from "./keys";
import { Scope } from "./scopes";

// While the server owns an embedded data directory, the keys CLI cannot open it and asks the
// server instead, proving with the token the server left in that directory that it may.

export const LOCAL_TOKEN_HEADER = "x-tracedeck-local-token";

export const LocalKeysCommand = z.discriminatedUnion("command", [
  z.object({ command: z.literal("create"), project: z.string().min(1), scopes: z.array(Scope).min(1), name: z.string().default("") }),
  z.object({ command: z.literal("list"), project: z.string().optional() }),
  z.object({ command: z.literal("revoke"), keyId: z.string().min(1) }),
]);

export async function runLocalKeysCommand({ headers, input }: { headers: Headers; input: unknown }): Promise<unknown> {
  const { database, owner } = await getAppDatabase();
  const presented = Buffer.from(headers.get(LOCAL_TOKEN_HEADER) ?? "");
  const expected = Buffer.from(owner?.localToken ?? "");
  if (expected.length === 0 || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new ApiError("unauthorized", "not a local administration request");
  }
  const command = LocalKeysCommand.parse(input);
  const db = database.db;
  switch (command.command) {
    case "create":
      return createApiKey({ db, input: command });
    case "list":
      return listApiKeys({ db, input: command });
    case "revoke":
      await revokeApiKey({ db, input: command });
      return { revoked: command.keyId };
  }
}
