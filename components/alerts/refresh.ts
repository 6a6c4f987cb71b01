import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { endpointUrl, request } from "@/components/data/api";

/** How often the Alerts page reads alerting again: a rule is evaluated once a minute, any minute. */
export const ALERTS_REFRESH_MS = 10_000;

const ALERTS_PATH = endpointUrl(request("listAlerts", {}));

const isAlertsUrl = (url: unknown) =>
  typeof url === "string" &&
  (url === ALERTS_PATH || url.startsWith(`${ALERTS_PATH}?`) || url.startsWith(`${ALERTS_PATH}/`));

/**
 * Reads every alerting answer again after a change: a rule, channel or silence changes the others' answers too (a
 * silence mutes the alerts, a deleted channel leaves its rules), and the header's count.
 */
export function useRefreshAlerts(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(
    () => queryClient.invalidateQueries({ predicate: (query) => isAlertsUrl(query.queryKey[1]) }),
    [queryClient],
  );
}
