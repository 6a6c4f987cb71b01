import { LogsPage } from "@/components/logs/logs-page";
import { logsUrl, readLogFilters, servicesUrl } from "@/components/data/urls";
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
    <Prefetch urls={[servicesUrl(view)]} pagedUrls={[logsUrl(view, readLogFilters(params))]}>
      <LogsPage />
    </Prefetch>
  );
}
