import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent as HttpAgent, type AgentOptions } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { isIP, type LookupFunction, type Socket } from "node:net";
import { config } from "@/lib/config";
import { inNetworks, networkList } from "@/lib/http/networks";
import { isPrivateAddress } from "./addresses";
import { SendFailure } from "./failure";

// Every connection a publisher makes goes through a guard: the host name is resolved, each address
// is checked, and the socket connects only to an address that passed (the check and the connection
// use the same answer, so a name that changes its answer in between cannot slip through). The
// same check runs when a publisher is saved, so an admin hears of a refused target at once.

export interface TargetGuard {
  /** Whether a publisher may connect to this address and port. */
  allows(address: string, port: number): boolean;
  /** Resolves a host name to its addresses (tests answer for names of their own). */
  lookup(hostname: string): Promise<LookupAddress[]>;
  /** Set when every address is allowed: a saved target needs no resolving then. */
  allowsAll?: boolean;
}

export const ALLOW_VARIABLE = "TRACEDECK_ALLOW_PRIVATE_TARGETS";

const systemLookup = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** A guard that lets through public addresses, and private ones as `allowPrivate` says (all, none, or these networks). */
export function targetGuard(
  allowPrivate: boolean | readonly string[],
  lookup: (hostname: string) => Promise<LookupAddress[]> = systemLookup,
): TargetGuard {
  const networks = Array.isArray(allowPrivate) ? networkList(allowPrivate) : undefined;
  return {
    allows: (address) =>
      allowPrivate === true || !isPrivateAddress(address) || (networks !== undefined && inNetworks(networks, address)),
    lookup,
    ...(allowPrivate === true ? { allowsAll: true } : {}),
  };
}

/** The guard TRACEDECK_ALLOW_PRIVATE_TARGETS describes. */
export const defaultGuard = (): TargetGuard => targetGuard(config().allowPrivateTargets);

const refusal = (hostname: string, address: string) =>
  `the target ${isIP(hostname) ? "is" : `${hostname} resolves to`} a private address (${address}); ` +
  `set ${ALLOW_VARIABLE} to allow it`;

/** Whether a message is a guard's refusal (a client library may pass it on in an error of its own). */
export const isRefusal = (message: string) => message.startsWith("the target ") && message.includes(ALLOW_VARIABLE);

const bare = (hostname: string) => (hostname.startsWith("[") ? hostname.slice(1, -1) : hostname);

/**
 * The addresses of a host a publisher may connect to on a port; throws a SendFailure naming the refused address
 * when there are none. Resolution errors pass through (the caller words them).
 */
export async function allowedAddresses(guard: TargetGuard, hostname: string, port: number): Promise<LookupAddress[]> {
  const host = bare(hostname);
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await guard.lookup(host);
  const allowed = addresses.filter((a) => guard.allows(a.address, port));
  if (allowed.length === 0) throw new SendFailure(refusal(host, addresses[0]?.address ?? host));
  return allowed;
}

/** A lookup that answers with addresses already checked (the connection is pinned to them). */
const pinned =
  (addresses: LookupAddress[]): LookupFunction =>
  (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };

type Connect = (
  options: Record<string, unknown>,
  callback: (error: Error | null, socket?: Socket) => void,
) => Socket | undefined;

/** An agent for http: or https: that connects only after the guard passed the address it connects to. */
export function guardedAgent(guard: TargetGuard, protocol: string, options: AgentOptions = {}): HttpAgent {
  const settings = { keepAlive: true, ...options };
  const agent = protocol === "https:" ? new HttpsAgent(settings) : new HttpAgent(settings);
  const connect = (agent as unknown as { createConnection: Connect }).createConnection.bind(agent);
  // an agent takes the socket from the callback when createConnection returns nothing
  const createConnection: Connect = (connectOptions, callback) => {
    const host = String(connectOptions.host ?? connectOptions.hostname ?? "localhost");
    const port = Number(connectOptions.port);
    allowedAddresses(guard, host, port).then(
      (addresses) => {
        try {
          const socket = connect({ ...connectOptions, lookup: pinned(addresses) }, () => undefined);
          callback(null, socket);
        } catch (error) {
          callback(error as Error);
        }
      },
      (error: unknown) => callback(error as Error),
    );
    return undefined;
  };
  (agent as unknown as { createConnection: Connect }).createConnection = createConnection;
  return agent;
}
