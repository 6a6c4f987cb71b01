import { EventsPage } from "@/components/pipeline/events-page";
import {
  failedEventsRequest,
  pendingEventsRequest,
  pipelineSummaryRequest,
  readEventFilters,
  retryStatsRequest,
  slowEventsRequest,
} from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function EventsRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = paramsOf(await searchParams);
  const view = readView(params);
  const filters = readEventFilters(params);
  return (
    <Prefetch
      requests={[
        pipelineSummaryRequest(view, filters),
        retryStatsRequest(view),
        failedEventsRequest(view, filters),
        slowEventsRequest(view, filters),
        pendingEventsRequest(view, filters),
      ]}
    >
      <EventsPage />
    </Prefetch>
  );
}
