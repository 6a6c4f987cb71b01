import { traceRequest } from "@/components/data/requests";
import { paramsOf, pathParam, readView } from "@/components/data/view";
import { TraceView } from "@/components/traces/trace-view";
import { Prefetch } from "../../prefetch";

// The trace's top (its outline's earliest spans, a few tens of kilobytes however long the trace) comes with the
// page, so its first rows are drawn before the browser has asked for anything; the rest follows page by page.
export default async function TraceRoute({
  params,
  searchParams,
}: {
  params: Promise<{ traceId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const traceId = pathParam((await params).traceId);
  const view = readView(paramsOf(await searchParams));
  return (
    <Prefetch requests={[traceRequest(view, traceId)]}>
      <TraceView traceId={traceId} />
    </Prefetch>
  );
}
