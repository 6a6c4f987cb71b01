import { afterEach, describe, expect, it } from "vitest";
import { ApiKeyAuth, OAuthProvider } from "./auth";
import { AuthenticationError, ConfigError, RetryableError } from "./errors";
import { startFakeServer, type FakeAnswer, type FakeServer, type RecordedRequest } from "./testing/fake-server";

describe("ApiKeyAuth", () => {
  it("sends the key as a bearer pair", async () => {
    expect(await new ApiKeyAuth("tfk_abc", "tfs_def").headers()).toEqual({ authorization: "Bearer tfk_abc:tfs_def" });
    expect(await ApiKeyAuth.fromString("tfk_abc:tfs_def").headers()).toEqual({
      authorization: "Bearer tfk_abc:tfs_def",
    });
    // the reference client's APIKeyAuth(api_key): the key as one string
    const single = new ApiKeyAuth("tfk_abc:tfs_def");
    expect(await single.headers()).toEqual({ authorization: "Bearer tfk_abc:tfs_def" });
    expect(single.keyId).toBe("tfk_abc");
    expect(single.isValid()).toBe(true);
  });

  it("refuses keys of the wrong shape, and never echoes the secret", () => {
    expect(() => new ApiKeyAuth("tfs_abc", "tfs_def")).toThrow(/key id must look like tfk_/);
    expect(() => new ApiKeyAuth("tfk_abc", "secret value")).toThrow(ConfigError);
    expect(() => new ApiKeyAuth("tfk_abc", "secret value")).not.toThrow(/secret value/);
    expect(() => ApiKeyAuth.fromString("tfk_abc")).toThrow(/key_id:key_secret/);
    expect(() => new ApiKeyAuth("tfk_abc")).toThrow(/key_id:key_secret/);
    expect(() => new ApiKeyAuth("tfk_abc:secret value")).toThrow(ConfigError);
  });
});

/** A token endpoint per RFC 6749 §4.4 and a revocation endpoint per RFC 7009, for the client "tfk_app" / "tfs_secret". */
function tokenServer(
  options: {
    expiresIn?: number;
    /** Tokens are issued once this settles: the test decides how long a refresh is in flight. */
    held?: Promise<void>;
    answer?: (r: RecordedRequest) => FakeAnswer | undefined;
  } = {},
) {
  let issued = 0;
  const revoked = new Set<string>();
  return {
    revoked,
    start: () =>
      startFakeServer(async (request) => {
        const custom = options.answer?.(request);
        if (custom) return custom;
        const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "")?.[1];
        const [id, secret] = Buffer.from(basic ?? "", "base64")
          .toString()
          .split(":");
        if (id !== "tfk_app" || secret !== "tfs_secret")
          return { status: 401, body: { error: "invalid_client", error_description: "unknown client" } };
        const form = new URLSearchParams(request.body);
        if (request.path === "/api/oauth/revoke") {
          revoked.add(form.get("token") ?? "");
          return { status: 200 };
        }
        if (form.get("grant_type") !== "client_credentials")
          return { status: 400, body: { error: "unsupported_grant_type" } };
        await options.held;
        issued += 1;
        return {
          status: 200,
          headers: { "cache-control": "no-store" },
          body: {
            access_token: `token-${issued}`,
            token_type: "Bearer",
            expires_in: options.expiresIn ?? 3600,
            scope: form.get("scope") ?? "ingest read",
          },
        };
      }),
  };
}

describe("OAuthProvider", () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const provider = (extra: Partial<ConstructorParameters<typeof OAuthProvider>[0]> = {}) =>
    new OAuthProvider({
      clientId: "tfk_app",
      clientSecret: "tfs_secret",
      tokenUrl: `${server!.url}/api/oauth/token`,
      ...extra,
    });
  const tokenRequests = () => server!.requests.filter((r) => r.path === "/api/oauth/token");

  it("asks for a token with the client credentials grant and sends it as a bearer token", async () => {
    server = await tokenServer().start();
    const auth = provider({ scopes: ["ingest", "read"] });
    expect(await auth.headers()).toEqual({ authorization: "Bearer token-1" });
    const [request] = tokenRequests();
    expect(request?.method).toBe("POST");
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: "client_credentials",
      scope: "ingest read",
    });
    expect(auth.grantedScopes).toEqual(["ingest", "read"]);
    expect(auth.isValid()).toBe(true);
  });

  it("reuses the token until shortly before it expires, then fetches a new one", async () => {
    server = await tokenServer({ expiresIn: 600 }).start();
    let now = 1_000_000;
    const auth = provider({ refreshMarginMs: 60_000, now: () => now });
    expect(await auth.accessToken()).toBe("token-1");
    now += 539_000;
    expect(await auth.accessToken()).toBe("token-1");
    expect(tokenRequests()).toHaveLength(1);
    now += 1_000; // 60 s before expiry
    expect(auth.isValid()).toBe(false);
    expect(await auth.accessToken()).toBe("token-2");
    expect(tokenRequests()).toHaveLength(2);
  });

  it("refreshes a short-lived token at half its life rather than on every call", async () => {
    server = await tokenServer({ expiresIn: 30 }).start();
    let now = 0;
    const auth = provider({ refreshMarginMs: 60_000, now: () => now });
    await auth.accessToken();
    now = 14_000;
    expect(await auth.accessToken()).toBe("token-1");
    now = 15_000;
    expect(await auth.accessToken()).toBe("token-2");
  });

  it("shares one refresh among concurrent callers", async () => {
    let release!: () => void;
    server = await tokenServer({ held: new Promise((resolve) => (release = resolve)) }).start();
    const auth = provider();
    const asked = Promise.all(Array.from({ length: 10 }, () => auth.accessToken()));
    // every caller has asked while the first refresh is still unanswered
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const tokens = await asked;
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
    expect(tokenRequests()).toHaveLength(1);
  });

  it("revokes its token at the revocation endpoint and fetches a new one afterwards", async () => {
    const tokens = tokenServer();
    server = await tokens.start();
    const auth = provider();
    await auth.accessToken();
    await auth.revoke();
    expect(tokens.revoked).toEqual(new Set(["token-1"]));
    const revocation = server.requests.find((r) => r.path === "/api/oauth/revoke");
    expect(new URLSearchParams(revocation?.body).get("token_type_hint")).toBe("access_token");
    expect(await auth.accessToken()).toBe("token-2");
  });

  it("close revokes the token and refuses further use", async () => {
    const tokens = tokenServer();
    server = await tokens.start();
    const auth = provider();
    await auth.headers();
    await auth.close();
    expect(tokens.revoked).toEqual(new Set(["token-1"]));
    await expect(auth.headers()).rejects.toThrow(/closed/);
  });

  it("revoke reports a failed revocation; close does not fail because of one", async () => {
    server = await tokenServer({
      answer: (r) => (r.path === "/api/oauth/revoke" ? { status: 500 } : undefined),
    }).start();
    const auth = provider();
    await auth.headers();
    await expect(auth.revoke()).rejects.toThrow(/revoking the token failed with 500/);
    await auth.headers();
    await expect(auth.close()).resolves.toBeUndefined();
    expect(server.requests.filter((r) => r.path === "/api/oauth/revoke")).toHaveLength(2);
  });

  it("turns the server's refusal into an AuthenticationError with its error code", async () => {
    server = await tokenServer().start();
    const auth = new OAuthProvider({
      clientId: "tfk_app",
      clientSecret: "tfs_wrong",
      tokenUrl: `${server.url}/api/oauth/token`,
    });
    const error = await auth.headers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/401 \(invalid_client: unknown client\)/);
  });

  it("marks a busy token server as retryable, with its Retry-After", async () => {
    server = await tokenServer({
      answer: () => ({ status: 503, headers: { "retry-after": "2" }, body: { error: "temporarily_unavailable" } }),
    }).start();
    const error = await provider()
      .headers()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ status: 503, retryAfterMs: 2000 });
  });

  it("refuses a token type it cannot send", async () => {
    server = await tokenServer({
      answer: () => ({ status: 200, body: { access_token: "x", token_type: "mac" } }),
    }).start();
    await expect(provider().headers()).rejects.toThrow(/only Bearer/);
  });
});
