import { ServicesOverview } from "@/components/services/overview";
import { serviceSeriesRequest, servicesRequest, statsRequest } from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "./prefetch";

export default async function OverviewPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const view = readView(paramsOf(await searchParams));
  return (
    <Prefetch requests={[statsRequest(view), servicesRequest(view), serviceSeriesRequest(view)]}>
      <ServicesOverview />
    </Prefetch>
  );
}
