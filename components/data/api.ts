// The dashboard's only data source is the REST API: these build its URLs and read its answers,
// the same way on the server (prefetch) and in the browser (react-query).

export type ParamValue = string | number | boolean | null | undefined | readonly string[];

/** `/api/v1/...?a=1&b=2` with empty values left out; repeated parameters for arrays. */
export function apiUrl(path: string, params: Record<string, ParamValue> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) search.append(key, item);
    else search.set(key, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

export const apiQueryKey = (url: string) => ["api", url] as const;
/** A list read page after page (endless scroll): the pages live under the first page's URL. */
export const apiPagesQueryKey = (url: string) => ["api-pages", url] as const;

export function pageUrl(url: string, cursor: string | null): string {
  if (!cursor) return url;
  return `${url}${url.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;
}

/** What the API said when it refused: the status and the message of its error envelope. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function readApiResponse<T>(response: Response): Promise<T> {
  if (response.status === 204) return null as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiRequestError(
      response.status,
      "bad_response",
      `the server answered ${response.status} with something that is not JSON`,
    );
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiRequestError(
      response.status,
      error?.code ?? "error",
      error?.message ?? `the server answered ${response.status}`,
    );
  }
  return body as T;
}

export async function fetchApi<T>(url: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      credentials: "same-origin",
      ...init,
      headers: { accept: "application/json", ...init?.headers },
    });
  } catch {
    throw new ApiRequestError(0, "unreachable", "the Tracedeck server cannot be reached");
  }
  return readApiResponse<T>(response);
}

/** POST/PATCH/DELETE with a JSON body, from the dashboard's own origin. */
export function sendApi<T>(method: "POST" | "PATCH" | "DELETE", url: string, body?: unknown): Promise<T> {
  return fetchApi<T>(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
