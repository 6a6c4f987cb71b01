import { NetworkPage } from "@/components/pipeline/network-page";
import {
  failedNetworkRequest,
  hostsRequest,
  networkSeriesRequest,
  readNetworkFilters,
  slowNetworkRequest,
} from "@/components/data/requests";
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
      requests={[
        hostsRequest(view),
        networkSeriesRequest(view, filters),
        failedNetworkRequest(view, filters),
        slowNetworkRequest(view, filters),
      ]}
    >
      <NetworkPage />
    </Prefetch>
  );
}
