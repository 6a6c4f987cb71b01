import { isIP } from "node:net";
import { ApiError } from "@/lib/errors";
import { ipv6Groups } from "@/lib/http/networks";

// Password guesses (sign-in, password change) are slowed two ways, so that a stranger's guesses cost the owner of
// the account at most a short wait:
// - per client address: after ADDRESS_FAILURES failures within WINDOW_MS, that address is answered 429 with
//   Retry-After until its oldest failure leaves the window. Other addresses are not affected. An IPv6 address
//   counts as its /64, the block one host is usually given.
// - per account, from any address: beyond ACCOUNT_FREE_FAILURES failures within WINDOW_MS, every attempt waits
//   before its password is checked, ACCOUNT_DELAY_STEP_MS more per failure up to ACCOUNT_MAX_DELAY_MS. The right
//   password still succeeds (only later), and clears the account's failures.
// An attempt counts as a failure from the moment it starts, so guesses sent at once cannot all pass the check
// before any of them is counted; one that succeeds is taken off again. Kept in memory, per node, both tables
// bounded in size (the entries least recently changed go first).

export interface ThrottleLimits {
  windowMs: number;
  addressFailures: number;
  accountFreeFailures: number;
  accountDelayStepMs: number;
  accountMaxDelayMs: number;
  /** addresses, and accounts, remembered at most */
  maxEntries: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  windowMs: 15 * 60_000,
  addressFailures: 10,
  accountFreeFailures: 5,
  accountDelayStepMs: 500,
  accountMaxDelayMs: 3000,
  maxEntries: 50_000,
};

/** One password check in progress: how long to wait before it, and how it ended. */
export interface Attempt {
  delayMs: number;
  /** the password was right */
  succeeded(): void;
  /** the password was wrong: the failure stays counted */
  failed(): void;
  /** the request ended before any password was checked (invalid input): nothing is counted */
  abandoned(): void;
}

export interface Throttle {
  /** Starts an attempt on an account from an address; an address over its limit is refused with 429. */
  begin(input: { account: string; address: string; now: number }): Attempt;
}

/** The key an address is counted under: an IPv6 address by its /64. */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  return `${ipv6Groups(address)
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

export function createThrottle(limits: ThrottleLimits = DEFAULT_LIMITS): Throttle {
  const addresses = new Map<string, number[]>();
  const accounts = new Map<string, number[]>();

  const recent = (table: Map<string, number[]>, key: string, now: number) =>
    (table.get(key) ?? []).filter((t) => now - t < limits.windowMs);
  const store = (table: Map<string, number[]>, key: string, times: number[], keep: number) => {
    table.delete(key);
    if (times.length === 0) return;
    table.set(key, times.slice(-keep));
    if (table.size > limits.maxEntries) table.delete(table.keys().next().value!);
  };
  const takeOff = (table: Map<string, number[]>, key: string, time: number, keep: number) => {
    const times = table.get(key);
    const index = times?.lastIndexOf(time) ?? -1;
    if (times && index >= 0) store(table, key, times.toSpliced(index, 1), keep);
  };
  // failures past this many add no more delay, so no more need remembering
  const accountKeep = limits.accountFreeFailures + Math.ceil(limits.accountMaxDelayMs / limits.accountDelayStepMs);

  return {
    begin({ account, address, now }) {
      const addressId = addressKey(address);
      const fromAddress = recent(addresses, addressId, now);
      if (fromAddress.length >= limits.addressFailures) {
        const freedAt = fromAddress[fromAddress.length - limits.addressFailures]! + limits.windowMs;
        throw new ApiError(
          "rate_limited",
          "too many failed sign-ins from this address; try again later",
          undefined,
          Math.max(1, Math.ceil((freedAt - now) / 1000)),
        );
      }
      const onAccount = recent(accounts, account, now);
      const beyond = onAccount.length - limits.accountFreeFailures + 1;
      const delayMs = beyond > 0 ? Math.min(beyond * limits.accountDelayStepMs, limits.accountMaxDelayMs) : 0;
      store(addresses, addressId, [...fromAddress, now], limits.addressFailures);
      store(accounts, account, [...onAccount, now], accountKeep);
      let settled = false;
      const settle = (fn: () => void) => () => {
        if (settled) return;
        settled = true;
        fn();
      };
      return {
        delayMs,
        succeeded: settle(() => {
          takeOff(addresses, addressId, now, limits.addressFailures);
          accounts.delete(account);
        }),
        failed: settle(() => {}),
        abandoned: settle(() => {
          takeOff(addresses, addressId, now, limits.addressFailures);
          takeOff(accounts, account, now, accountKeep);
        }),
      };
    },
  };
}

/** This node's throttle for sign-ins and password changes. */
export const passwordThrottle = createThrottle();
