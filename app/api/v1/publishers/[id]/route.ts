import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { updatePublisher } from "@/lib/publishers/manage";

// PATCH /api/v1/publishers/{id}
export const PATCH = route(endpoints.updatePublisher, ({ ctx, params, body }) =>
  updatePublisher({ ctx, input: { id: params.id, body } }),
);
