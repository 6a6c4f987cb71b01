"use client";

import { useSyncExternalStore } from "react";

// What only the browser knows, read so that the server's HTML and the first browser render agree.

const noSubscription = () => () => {};

/**
 * False while the server renders and the browser hydrates, true after: what depends on the
 * viewer's clock or time zone is shown only then.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

/** The site's own address as the browser reaches it ("" on the server). */
export function useOrigin(): string {
  return useSyncExternalStore(
    noSubscription,
    () => window.location.origin,
    () => "",
  );
}
