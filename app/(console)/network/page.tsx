import { NetworkPage } from "@/components/pipeline/network-page";
import {
  failedNetworkUrl,
  hostsUrl,
  networkSeriesUrl,
  readNetworkFilters,
  slowNetworkUrl,
} from "@/components/data/urls";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function NetworkRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = paramsOf(await searchParams);
  const view = readView(params);
  const filters = readNetworkFilters(params);
  return (
    <Prefetch
      urls={[
        hostsUrl(view),
        networkSeriesUrl(view, filters),
        failedNetworkUrl(view, filters),
        slowNetworkUrl(view, filters),
      ]}
    >
      <NetworkPage />
    </Prefetch>
  );
}
