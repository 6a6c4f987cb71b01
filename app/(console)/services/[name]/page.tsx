import { ServicePage } from "@/components/services/service-page";
import { operationsRequest, serviceSeriesRequest } from "@/components/data/requests";
import { paramsOf, pathParam, readView } from "@/components/data/view";
import { Prefetch } from "../../prefetch";

export default async function ServiceRoute({
  params,
  searchParams,
}: {
  params: Promise<{ name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const name = pathParam((await params).name);
  const view = readView(paramsOf(await searchParams));
  return (
    <Prefetch requests={[serviceSeriesRequest(view, name), operationsRequest(view, name)]}>
      <ServicePage name={name} />
    </Prefetch>
  );
}
