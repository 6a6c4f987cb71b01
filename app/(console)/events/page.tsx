import { EventsPage } from "@/components/pipeline/events-page";
import {
  failedEventsUrl,
  pendingEventsUrl,
  pipelineSummaryUrl,
  readEventFilters,
  retryStatsUrl,
  slowEventsUrl,
} from "@/components/data/urls";
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
      urls={[
        pipelineSummaryUrl(view, filters),
        retryStatsUrl(view),
        failedEventsUrl(view, filters),
        slowEventsUrl(view, filters),
        pendingEventsUrl(view, filters),
      ]}
    >
      <EventsPage />
    </Prefetch>
  );
}
