import { PublishersPage } from "@/components/publishers/publishers-page";
import { publisherSeriesUrl, publishersUrl } from "@/components/data/urls";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../prefetch";

export default async function PublishersRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const view = readView(paramsOf(await searchParams));
  return (
    <Prefetch urls={[publishersUrl(view), publisherSeriesUrl(view)]}>
      <PublishersPage />
    </Prefetch>
  );
}
