import { describe, expect, it } from "vitest";
import { inNetworks, networkList } from "@/lib/http/networks";
import { isPrivateAddress } from "./addresses";

describe("private addresses", () => {
  it("are loopback, unspecified, private, link-local, CGNAT and the like, in IPv4 and IPv6", () => {
    for (const address of [
      "127.0.0.1",
      "127.255.1.2",
      "0.0.0.0",
      "10.0.0.5",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "100.127.255.254",
      "224.0.0.1",
      "255.255.255.255",
      "::",
      "::1",
      "fc00::1",
      "fd12:3456::1",
      "fe80::1",
      "febf::1",
      "ff02::1",
    ])
      expect(isPrivateAddress(address), address).toBe(true);
  });

  it("include IPv6 addresses that carry a private IPv4 (mapped, compatible, NAT64, 6to4)", () => {
    for (const address of [
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:10.0.0.5",
      "::7f00:1",
      "64:ff9b::a9fe:a9fe",
      "2002:c0a8:101::1",
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    expect(isPrivateAddress("::ffff:8.8.8.8")).toBe(false);
  });

  it("leave public addresses alone, and count anything that is not an address as private", () => {
    for (const address of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450::1"])
      expect(isPrivateAddress(address), address).toBe(false);
    expect(isPrivateAddress("localhost")).toBe(true);
  });

  it("can be allowed by address or CIDR block, an IPv4-mapped address counting as its IPv4", () => {
    const list = networkList(["10.1.0.0/16", "192.168.5.7", "fd00::/8"]);
    expect(inNetworks(list, "10.1.2.3")).toBe(true);
    expect(inNetworks(list, "::ffff:10.1.2.3")).toBe(true);
    expect(inNetworks(list, "10.2.0.1")).toBe(false);
    expect(inNetworks(list, "192.168.5.7")).toBe(true);
    expect(inNetworks(list, "192.168.5.8")).toBe(false);
    expect(inNetworks(list, "fd00::9")).toBe(true);
  });
});
