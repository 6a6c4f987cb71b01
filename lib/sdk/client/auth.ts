import { AuthenticationError, ConfigError, RetryableError, TracedeckError } from "./errors";
import { RETRYABLE_STATUSES, parseRetryAfter } from "./retry";

/** Gives the headers that authenticate a request; asked before every attempt, so a provider may refresh. */
export interface AuthProvider {
  headers(): Promise<Record<string, string>>;
  /** Whether the credentials can be used now, without asking a server (the reference client's is_valid). */
  isValid(): boolean;
  /** Forget cached credentials after the server refused them, so the next `headers()` gets new ones. */
  invalidate?(): void;
  close?(): Promise<void>;
}

/** What a Tracedeck key id and secret look like. */
export const KEY_ID = /^tfk_[A-Za-z0-9_-]+$/;
export const KEY_SECRET = /^tfs_[A-Za-z0-9_-]+$/;

/** An API key: the public key id (`tfk_…`) and its secret (`tfs_…`), sent as `Bearer <id>:<secret>`. */
export class ApiKeyAuth implements AuthProvider {
  readonly keyId: string;
  readonly #keySecret: string;

  /**
   * From the key as one string, `tfk_…:tfs_…` (the reference client's `APIKeyAuth(api_key)`), or its two parts.
   * Checks the shapes now, so a key pasted into the wrong variable fails at start-up, not at the first send.
   */
  constructor(apiKey: string);
  constructor(keyId: string, keySecret: string);
  constructor(keyIdOrApiKey: string, secret?: string) {
    let keyId = keyIdOrApiKey;
    let keySecret = secret;
    if (keySecret === undefined) {
      const colon = keyIdOrApiKey.indexOf(":");
      if (colon < 0) throw new ConfigError("an API key is written key_id:key_secret (tfk_…:tfs_…)");
      keyId = keyIdOrApiKey.slice(0, colon).trim();
      keySecret = keyIdOrApiKey.slice(colon + 1).trim();
    }
    if (!KEY_ID.test(keyId)) throw new ConfigError("the key id must look like tfk_… (letters, digits, _ and -)");
    if (!KEY_SECRET.test(keySecret))
      throw new ConfigError("the key secret must look like tfs_… (letters, digits, _ and -)");
    this.keyId = keyId;
    this.#keySecret = keySecret;
  }

  /** A key written as one string, `tfk_…:tfs_…`, the way the dashboard shows it. */
  static fromString(apiKey: string): ApiKeyAuth {
    return new ApiKeyAuth(apiKey);
  }

  async headers(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${this.keyId}:${this.#keySecret}` };
  }

  /** A key of the right shape is always usable: only the server can say it was revoked. */
  isValid(): boolean {
    return true;
  }
}

export interface OAuthProviderOptions {
  /** The key id, used as the OAuth client id. */
  clientId: string;
  /** The key secret, used as the OAuth client secret. */
  clientSecret: string;
  /** For example `https://tracedeck.example.com/api/oauth/token`. */
  tokenUrl: string;
  /** Defaults to the token URL with its last segment replaced by `revoke`. */
  revokeUrl?: string;
  /** Scopes to ask for (`ingest`, `read`); none asks for the key's own scopes. */
  scopes?: string[];
  /** Refresh this long before the token expires, so a request never leaves with a token about to lapse (default 60 s). */
  refreshMarginMs?: number;
  /** Timeout of each call to the token server (default 10 s). */
  timeoutMs?: number;
  /** The clock, in epoch milliseconds. */
  now?: () => number;
}

interface CachedToken {
  accessToken: string;
  /** Epoch ms after which we fetch a new one; Infinity when the server gave no lifetime. */
  refreshAt: number;
  scope: string | undefined;
}

/** The token server's error answer (RFC 6749 §5.2), as a message a person can act on. */
async function tokenError(response: Response, what: string): Promise<TracedeckError> {
  const text = await response.text().catch(() => "");
  let detail = text.slice(0, 200);
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof body.error === "string")
      detail = typeof body.error_description === "string" ? `${body.error}: ${body.error_description}` : body.error;
  } catch {
    // not JSON: the raw text says what went wrong
  }
  const message = `${what} failed with ${response.status}${detail ? ` (${detail})` : ""}`;
  if (RETRYABLE_STATUSES.has(response.status)) {
    return new RetryableError(message, {
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
    });
  }
  // 400 invalid_client / unauthorized_client / invalid_scope and 401 are all about the credentials
  if (response.status === 400 || response.status === 401 || response.status === 403)
    return new AuthenticationError(message, { status: response.status });
  return new TracedeckError(message, { status: response.status });
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): trades the key for a short-lived access token and
 * sends that instead, so the long-lived secret crosses the network only to the token endpoint.
 * The token is cached until shortly before it expires; callers arriving while it is being
 * refreshed wait for the same refresh instead of each asking for a token.
 */
export class OAuthProvider implements AuthProvider {
  readonly #options: Required<Omit<OAuthProviderOptions, "scopes" | "revokeUrl">> & {
    scopes: string[];
    revokeUrl: string;
  };
  #token: CachedToken | undefined;
  #refreshing: Promise<CachedToken> | undefined;
  #closed = false;

  constructor(options: OAuthProviderOptions) {
    if (!options.clientId || !options.clientSecret)
      throw new ConfigError("OAuth needs a client id and a client secret (the key id and key secret)");
    let tokenUrl: URL;
    try {
      tokenUrl = new URL(options.tokenUrl);
    } catch {
      throw new ConfigError(`the token URL is not a URL: ${options.tokenUrl}`);
    }
    this.#options = {
      refreshMarginMs: 60_000,
      timeoutMs: 10_000,
      now: Date.now,
      ...options,
      scopes: options.scopes ?? [],
      revokeUrl: options.revokeUrl ?? new URL("revoke", tokenUrl).toString(),
    };
  }

  async headers(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.accessToken()}` };
  }

  /** The cached token while it is fresh, else a new one. */
  async accessToken(): Promise<string> {
    if (this.#closed) throw new TracedeckError("the OAuth provider is closed");
    if (this.#token && this.#options.now() < this.#token.refreshAt) return this.#token.accessToken;
    this.#refreshing ??= this.#requestToken().finally(() => (this.#refreshing = undefined));
    return (await this.#refreshing).accessToken;
  }

  /** True while a token is cached and not due for refresh. */
  isValid(): boolean {
    return !this.#closed && this.#token !== undefined && this.#options.now() < this.#token.refreshAt;
  }

  /** The scopes the server granted with the current token. */
  get grantedScopes(): string[] {
    return this.#token?.scope?.split(" ").filter(Boolean) ?? [];
  }

  invalidate(): void {
    this.#token = undefined;
  }

  /** Revokes the current token at the server (RFC 7009) and forgets it; without a token there is nothing to do. */
  async revoke(): Promise<void> {
    const token = this.#token;
    this.#token = undefined;
    if (!token) return;
    const response = await this.#post(this.#options.revokeUrl, {
      token: token.accessToken,
      token_type_hint: "access_token",
    });
    // RFC 7009 §2.2: an unknown or expired token also answers 200, so any other status is a real failure
    if (!response.ok) throw await tokenError(response, "revoking the token");
    await response.body?.cancel();
  }

  /**
   * Revokes the token so it does not outlive the process's use of it, then refuses further use.
   * Never rejects: it runs on the way out, and a token whose revocation failed still expires on its own.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#refreshing?.catch(() => undefined);
    await this.revoke().catch(() => undefined);
  }

  async #requestToken(): Promise<CachedToken> {
    const params: Record<string, string> = { grant_type: "client_credentials" };
    if (this.#options.scopes.length > 0) params.scope = this.#options.scopes.join(" ");
    const requestedAt = this.#options.now();
    const response = await this.#post(this.#options.tokenUrl, params);
    if (!response.ok) throw await tokenError(response, "the token request");
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      token_type?: unknown;
      expires_in?: unknown;
      scope?: unknown;
    };
    if (typeof body.access_token !== "string" || !body.access_token)
      throw new TracedeckError("the token server answered without an access_token");
    if (typeof body.token_type !== "string" || body.token_type.toLowerCase() !== "bearer") {
      throw new TracedeckError(
        `the token server gave a ${String(body.token_type)} token; only Bearer tokens are supported`,
      );
    }
    const lifetimeMs = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in * 1000 : undefined;
    // a short-lived token refreshes at half its life rather than on every call
    const margin = lifetimeMs === undefined ? 0 : Math.min(this.#options.refreshMarginMs, lifetimeMs / 2);
    const token: CachedToken = {
      accessToken: body.access_token,
      refreshAt: lifetimeMs === undefined ? Infinity : requestedAt + lifetimeMs - margin,
      scope: typeof body.scope === "string" ? body.scope : this.#options.scopes.join(" ") || undefined,
    };
    this.#token = token;
    return token;
  }

  /** A form POST with the client authenticated by HTTP Basic (RFC 6749 §2.3.1: each part form-encoded first). */
  #post(url: string, params: Record<string, string>): Promise<Response> {
    const basic = btoa(
      `${encodeURIComponent(this.#options.clientId)}:${encodeURIComponent(this.#options.clientSecret)}`,
    );
    return fetch(url, {
      method: "POST",
      headers: {
        authorization: `Basic ${basic}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(this.#options.timeoutMs),
    });
  }
}
