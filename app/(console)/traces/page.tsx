import { TraceSearchPage } from "@/components/traces/search";
import { readTraceFilters, servicesRequest, traceSearchRequest } from "@/components/data/requests";
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
      requests={[
        traceSearchRequest(view, readTraceFilters(params), params.get("cursor") ?? undefined),
        servicesRequest(view),
      ]}
    >
      <TraceSearchPage />
    </Prefetch>
  );
}
