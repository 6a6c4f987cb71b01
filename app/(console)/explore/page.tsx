import { ExplorePage } from "@/components/metrics/explore-page";
import { metricQueryRequests, metricsListRequest, readMetricFilters } from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function ExploreRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = paramsOf(await searchParams);
  const view = readView(params);
  const filters = readMetricFilters(params);
  // the default aggregation depends on the metric's type, which the browser learns from the list
  const queries = filters.metric && filters.agg ? metricQueryRequests(view, filters, filters.agg) : [];
  return (
    <Prefetch requests={[metricsListRequest(view), ...queries]}>
      <ExplorePage />
    </Prefetch>
  );
}
