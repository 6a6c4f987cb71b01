import { TaskPage } from "@/components/pipeline/task-page";
import { readEventFilters, taskRequest } from "@/components/data/requests";
import { paramsOf, pathParam, readView } from "@/components/data/view";
import { Prefetch } from "../../prefetch";

export default async function TaskRoute({
  params,
  searchParams,
}: {
  params: Promise<{ taskId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const taskId = pathParam((await params).taskId);
  const search = paramsOf(await searchParams);
  const view = readView(search);
  return (
    <Prefetch requests={[taskRequest(view, taskId, readEventFilters(search))]}>
      <TaskPage taskId={taskId} />
    </Prefetch>
  );
}
