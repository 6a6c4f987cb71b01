import { describe, expect, it } from "vitest";
import { clientAddress, normalizeAddress, trustedProxies, UNKNOWN_ADDRESS } from "./client-address";
import { parseConfig } from "@/lib/config";
import { PEER_HEADER } from "./peer";

const headers = (peer: string | undefined, forwardedFor?: string) =>
  new Headers({
    ...(peer ? { [PEER_HEADER]: peer } : {}),
    ...(forwardedFor !== undefined ? { "x-forwarded-for": forwardedFor } : {}),
  });

describe("the client address", () => {
  const none = trustedProxies([]);
  const proxies = trustedProxies(["127.0.0.1", "10.0.0.0/8", "fd00::/8"]);

  it("is the peer, whatever X-Forwarded-For says, when no proxy is trusted", () => {
    expect(clientAddress(headers("203.0.113.5", "198.51.100.1"), none)).toBe("203.0.113.5");
    expect(clientAddress(headers("::ffff:127.0.0.1", "198.51.100.1"), none)).toBe("127.0.0.1");
    expect(clientAddress(headers(undefined, "198.51.100.1"), none)).toBe(UNKNOWN_ADDRESS);
  });

  it("is the peer when the peer is not a trusted proxy", () => {
    expect(clientAddress(headers("203.0.113.5", "198.51.100.1"), proxies)).toBe("203.0.113.5");
  });

  it("is the nearest untrusted address in X-Forwarded-For behind trusted proxies", () => {
    // the client wrote 1.1.1.1 itself; the outer proxy appended the address it saw
    expect(clientAddress(headers("127.0.0.1", "1.1.1.1, 198.51.100.7, 10.1.2.3"), proxies)).toBe("198.51.100.7");
    expect(clientAddress(headers("::ffff:127.0.0.1", "2001:db8::5"), proxies)).toBe("2001:db8::5");
    expect(clientAddress(headers("fd12::1", "[2001:db8::6]:4431"), proxies)).toBe("2001:db8::6");
    expect(clientAddress(headers("10.9.9.9", "198.51.100.8:5555"), proxies)).toBe("198.51.100.8");
  });

  it("stops at what is not an address, and is the farthest proxy when all are trusted", () => {
    expect(clientAddress(headers("127.0.0.1", "198.51.100.7, garbage, 10.0.0.2"), proxies)).toBe("10.0.0.2");
    expect(clientAddress(headers("127.0.0.1", "10.0.0.3, 10.0.0.2"), proxies)).toBe("10.0.0.3");
    expect(clientAddress(headers("127.0.0.1"), proxies)).toBe("127.0.0.1");
  });

  it("reads addresses as sockets and proxies write them", () => {
    expect(normalizeAddress(" ::FFFF:192.0.2.1 ")).toBe("192.0.2.1");
    expect(normalizeAddress("2001:DB8::1")).toBe("2001:db8::1");
    expect(normalizeAddress("unknown")).toBeUndefined();
    expect(normalizeAddress("")).toBeUndefined();
  });
});

describe("TRACEDECK_TRUSTED_PROXIES and TRACEDECK_SESSION_IDLE_DAYS", () => {
  it("are read as addresses and CIDR blocks, and days; anything else stops the start saying why", () => {
    expect(parseConfig({ TRACEDECK_TRUSTED_PROXIES: " 127.0.0.1, 10.0.0.0/8,fd00::/8 " }).trustedProxies).toEqual([
      "127.0.0.1",
      "10.0.0.0/8",
      "fd00::/8",
    ]);
    expect(parseConfig({}).trustedProxies).toEqual([]);
    for (const wrong of ["localhost", "10.0.0.0/33", "fd00::/129", "10.0.0.1/8/2"]) {
      expect(() => parseConfig({ TRACEDECK_TRUSTED_PROXIES: wrong }), wrong).toThrow(
        /TRACEDECK_TRUSTED_PROXIES: must be a comma-separated list of IP addresses and CIDR blocks/,
      );
    }
    expect(parseConfig({}).sessionIdleDays).toBe(7);
    expect(parseConfig({ TRACEDECK_SESSION_IDLE_DAYS: "2" }).sessionIdleDays).toBe(2);
    expect(() => parseConfig({ TRACEDECK_SESSION_IDLE_DAYS: "0" })).toThrow(/TRACEDECK_SESSION_IDLE_DAYS/);
  });
});
