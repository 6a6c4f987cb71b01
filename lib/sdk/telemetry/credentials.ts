import { KEY_ID, KEY_SECRET } from "../client/auth";
import { CredentialsError } from "./errors";

/** An API key pair, checked once: every request the client makes carries it. */
export class Credentials {
  private constructor(
    readonly keyId: string,
    readonly keySecret: string,
  ) {}

  static create(keyId: string, keySecret: string): Credentials {
    const id = keyId.trim();
    const secret = keySecret.trim();
    if (!KEY_ID.test(id))
      throw new CredentialsError("the key id must start with tfk_ (as `npm run keys -- create` prints it)");
    if (!KEY_SECRET.test(secret)) throw new CredentialsError("the key secret must start with tfs_");
    return new Credentials(id, secret);
  }

  authorizationHeader(): string {
    return `Bearer ${this.keyId}:${this.keySecret}`;
  }

  /** Every header form Tracedeck accepts, for proxies that strip Authorization. */
  authHeaders(): Record<string, string> {
    return {
      Authorization: this.authorizationHeader(),
      "X-TelemetryFlow-Key-ID": this.keyId,
      "X-TelemetryFlow-Key-Secret": this.keySecret,
    };
  }

  equals(other: Credentials | null | undefined): boolean {
    return !!other && other.keyId === this.keyId && other.keySecret === this.keySecret;
  }

  /** Never prints the secret. */
  toString(): string {
    return `Credentials(${this.keyId})`;
  }

  toJSON(): { keyId: string } {
    return { keyId: this.keyId };
  }
}
