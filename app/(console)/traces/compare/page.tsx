import { Suspense } from "react";
import { TraceComparePage } from "@/components/traces/compare-view";

// The traces load in the browser, page by page, as a trace's own page loads them.
export default function CompareRoute() {
  return (
    <Suspense>
      <TraceComparePage />
    </Suspense>
  );
}
