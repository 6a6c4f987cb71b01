import { ServicePage } from "@/components/services/service-page";
import { operationsUrl, serviceSeriesUrl } from "@/components/data/urls";
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
    <Prefetch urls={[serviceSeriesUrl(view, name), operationsUrl(view, name)]}>
      <ServicePage name={name} />
    </Prefetch>
  );
}
