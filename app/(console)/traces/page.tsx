import { TraceSearchPage } from "@/components/traces/search";
import {
  readTraceFilters,
  readTraceSort,
  servicesRequest,
  traceDurationsRequest,
  traceSearchRequest,
} from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function TracesRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = paramsOf(await searchParams);
  const view = readView(params);
  const filters = readTraceFilters(params);
  return (
    <Prefetch
      requests={[
        traceSearchRequest(view, filters, params.get("cursor") ?? undefined, readTraceSort(params)),
        traceDurationsRequest(view, filters),
        servicesRequest(view),
      ]}
    >
      <TraceSearchPage />
    </Prefetch>
  );
}
