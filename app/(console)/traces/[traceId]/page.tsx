import { pathParam } from "@/components/data/view";
import { TraceView } from "@/components/traces/trace-view";

// The trace is fetched by the browser, not prefetched: a trace of 100,000 spans is tens of
// megabytes, and inlining it into the page would send it twice.
export default async function TraceRoute({ params }: { params: Promise<{ traceId: string }> }) {
  const traceId = pathParam((await params).traceId);
  return <TraceView traceId={traceId} />;
}
