import { BlockList, isIP } from "node:net";

// IP addresses and networks as operators write them (TRACEDECK_TRUSTED_PROXIES, TRACEDECK_ALLOW_PRIVATE_TARGETS):
// lists of addresses and CIDR blocks, and the IPv4 address an IPv6 one may carry.

/** Expands an IPv6 address into its eight 16-bit groups. */
export function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split("%")[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if it carries one. */
export function embeddedIPv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (g.length !== 8) return undefined;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible)
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return v4(g[6]!, g[7]!);
  // 64:ff9b::a.b.c.d (NAT64)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6]!, g[7]!);
  // 2002:aabb:ccdd::/48 (6to4)
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return undefined;
}

/** A list of single addresses and CIDR blocks (`10.0.0.0/8`, `fd00::/8`), as lib/config.ts has checked them. */
export function networkList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [network = "", prefix] = entry.split("/");
    const family = isIP(network) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(network, family);
    else list.addSubnet(network, Number(prefix), family);
  }
  return list;
}

/** Whether an address is in a list made by networkList (an IPv4-mapped IPv6 address counts as its IPv4). */
export function inNetworks(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 4) return list.check(address, "ipv4");
  if (family !== 6) return false;
  const carried = embeddedIPv4(address);
  return list.check(address, "ipv6") || (carried !== undefined && list.check(carried, "ipv4"));
}
