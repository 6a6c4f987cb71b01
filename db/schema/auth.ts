import { sql } from "drizzle-orm";
import { boolean, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const projects = pgTable(
  "projects",
  {
    id: uuid().primaryKey().defaultRandom(),
    slug: text().notNull(),
    name: text().notNull(),
    /** GET /metrics answers without credentials (an admin's choice, for scrapers that cannot send a key) */
    publicMetrics: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // project lookup by the slug users type (CLI --project, URLs)
    uniqueIndex("projects_slug_uq").on(t.slug),
  ],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    keyId: text().notNull(),
    /** hex SHA-256 of the secret; the secret itself is never stored */
    secretHash: text().notNull(),
    name: text().notNull().default(""),
    scopes: text().array().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    // every authenticated request looks its key up by the public id
    uniqueIndex("api_keys_key_id_uq").on(t.keyId),
    // key lists per project
    index("api_keys_project_idx").on(t.projectId, t.createdAt),
  ],
);

export const oauthTokens = pgTable(
  "oauth_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** the API key whose credentials obtained the token */
    apiKeyId: uuid().references(() => apiKeys.id, { onDelete: "cascade" }),
    /** hex SHA-256 of the opaque access token */
    tokenHash: text().notNull(),
    scopes: text().array().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    // bearer-token authentication looks tokens up by hash
    uniqueIndex("oauth_tokens_hash_uq").on(t.tokenHash),
    // expired-token cleanup
    index("oauth_tokens_expires_idx").on(t.expiresAt),
  ],
);

export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    /** argon2id PHC string */
    passwordHash: text().notNull(),
    role: text({ enum: ["admin", "viewer"] })
      .notNull()
      .default("viewer"),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // sign-in by email, case-insensitive
    uniqueIndex("users_email_uq").on(sql`lower(${t.email})`),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** hex SHA-256 of the cookie value */
    tokenHash: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    // every dashboard request looks its session up by hash
    uniqueIndex("sessions_token_hash_uq").on(t.tokenHash),
    // sign-out everywhere / user removal
    index("sessions_user_idx").on(t.userId),
  ],
);
