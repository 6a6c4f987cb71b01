import { ServicesOverview } from "@/components/services/overview";
import { serviceSeriesUrl, servicesUrl, statsUrl } from "@/components/data/urls";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "./prefetch";

export default async function OverviewPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const view = readView(paramsOf(await searchParams));
  return (
    <Prefetch urls={[statsUrl(view), servicesUrl(view), serviceSeriesUrl(view)]}>
      <ServicesOverview />
    </Prefetch>
  );
}
