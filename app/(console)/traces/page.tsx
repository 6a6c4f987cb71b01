import { TraceSearchPage } from "@/components/traces/search";
import { readTraceFilters, servicesUrl, traceSearchUrl } from "@/components/data/urls";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function TracesRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = paramsOf(await searchParams);
  const view = readView(params);
  return (
    <Prefetch
      urls={[traceSearchUrl(view, readTraceFilters(params), params.get("cursor") ?? undefined), servicesUrl(view)]}
    >
      <TraceSearchPage />
    </Prefetch>
  );
}
