import { AlertsPage } from "@/components/alerts/alerts-page";
import {
  alertChannelsRequest,
  alertHistoryRequest,
  alertRulesRequest,
  alertSilencesRequest,
  alertsRequest,
} from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function AlertsRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = paramsOf(await searchParams);
  const view = readView(params);
  const rule = params.get("rule");
  return (
    <Prefetch
      requests={[alertsRequest(view), alertRulesRequest(view), alertChannelsRequest(view), alertSilencesRequest(view)]}
      // a rule's history is open when a link (a notification's) names it
      pagedRequests={rule ? [alertHistoryRequest(view, rule, params)] : []}
    >
      <AlertsPage />
    </Prefetch>
  );
}
