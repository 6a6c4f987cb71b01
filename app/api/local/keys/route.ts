import { runLocalKeysCommand } from "@/lib/auth/local";
import { readJson } from "@/lib/http/body";
import { toApiError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/errors";

// POST /api/local/keys — the keys CLI, while this server owns the embedded data directory
export async function POST(request: Request): Promise<Response> {
  try {
    const input = await readJson(request, 64 * 1024);
    return Response.json(await runLocalKeysCommand({ headers: request.headers, input }));
  } catch (error) {
    return errorResponse(toApiError(error));
  }
}
