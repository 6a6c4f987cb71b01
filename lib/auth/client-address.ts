import { isIP } from "node:net";
import { inNetworks, networkList } from "@/lib/http/networks";
import { PEER_HEADER } from "./peer";

// Which address a request comes from, as far as this server can tell: the connection's other end, unless that is a
// proxy the operator trusts (TRACEDECK_TRUSTED_PROXIES), in which case the nearest address in X-Forwarded-For that
// no trusted proxy has. Addresses a client wrote into X-Forwarded-For itself sit left of those and are never reached.

/** Whether an address belongs to a trusted proxy. */
export type TrustedProxies = (address: string) => boolean;

/** What a request whose peer is unknown counts as: `next dev` serves without the server that sets the peer. */
export const UNKNOWN_ADDRESS = "unknown";

/** An address as a socket or a proxy writes it: "::ffff:10.0.0.1" is 10.0.0.1; a port or brackets are dropped. */
export function normalizeAddress(value: string): string | undefined {
  let address = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(address);
  if (mapped) address = mapped[1]!;
  return isIP(address) ? address.toLowerCase() : undefined;
}

/** A matcher for a list of addresses and CIDR blocks (IPv4 and IPv6), as lib/config.ts has checked them. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = networkList(entries);
  return (address) => entries.length > 0 && inNetworks(list, address);
}

/** The client address of a request, for throttling: see the top of this file. */
export function clientAddress(headers: Headers, trusted: TrustedProxies): string {
  const peer = normalizeAddress(headers.get(PEER_HEADER) ?? "");
  if (!peer) return UNKNOWN_ADDRESS;
  if (!trusted(peer)) return peer;
  // several X-Forwarded-For headers arrive joined with commas; each proxy appends the address it was reached from
  const hops = (headers.get("x-forwarded-for") ?? "").split(",").reverse();
  let nearest = peer;
  for (const hop of hops) {
    const address = normalizeAddress(hop);
    // what a trusted proxy passed on is not an address: the last one known is as far as the chain can be followed
    if (!address) return nearest;
    if (!trusted(address)) return address;
    nearest = address;
  }
  return nearest;
}
