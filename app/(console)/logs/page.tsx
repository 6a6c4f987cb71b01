import { LogsPage } from "@/components/logs/logs-page";
import { logsRequest, readLogFilters, servicesRequest } from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function LogsRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = paramsOf(await searchParams);
  const view = readView(params);
  return (
    <Prefetch requests={[servicesRequest(view)]} pagedRequests={[logsRequest(view, readLogFilters(params))]}>
      <LogsPage />
    </Prefetch>
  );
}
