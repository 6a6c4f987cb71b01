import { BlockList, isIP } from "node:net";
import { embeddedIPv4 } from "@/lib/http/networks";

// Addresses a publisher may not send to unless the operator allows it: the machine itself, its
// link and private networks, and ranges that are not a real destination on the internet. A
// publisher's target is set by an admin of a project; without this, a target could read the
// cloud's metadata service or a database port beside Tracedeck.

const PRIVATE_V4 = [
  ["0.0.0.0", 8], // "this network", 0.0.0.0 reaches the machine itself
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata services
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const;

const PRIVATE_V6 = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["::", 96], // IPv4-compatible (deprecated): checked by the IPv4 they embed, below
  ["64:ff9b:1::", 48], // local-use IPv4/IPv6 translation
  ["100::", 64], // discard-only
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const;

const blocked = new BlockList();
for (const [network, prefix] of PRIVATE_V4) blocked.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of PRIVATE_V6) blocked.addSubnet(network, prefix, "ipv6");

/** Whether an IP address (v4 or v6, without brackets) is loopback, link-local, private or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family !== 6) return true; // not an address at all: nothing to let through
  const carried = embeddedIPv4(address);
  if (carried !== undefined) return blocked.check(carried, "ipv4");
  return blocked.check(address, "ipv6");
}
