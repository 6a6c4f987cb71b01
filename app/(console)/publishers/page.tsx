import { PublishersPage } from "@/components/publishers/publishers-page";
import { publisherSeriesRequest, publishersRequest } from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function PublishersRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const view = readView(paramsOf(await searchParams));
  return (
    <Prefetch requests={[publishersRequest(view), publisherSeriesRequest(view)]}>
      <PublishersPage />
    </Prefetch>
  );
}
