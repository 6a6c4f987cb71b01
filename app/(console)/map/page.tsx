import { serviceMapRequest } from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { ServiceMapPage } from "@/components/services/service-map";
import { Prefetch } from "../prefetch";

export default async function MapRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const view = readView(paramsOf(await searchParams));
  return (
    <Prefetch requests={[serviceMapRequest(view)]}>
      <ServiceMapPage />
    </Prefetch>
  );
}
