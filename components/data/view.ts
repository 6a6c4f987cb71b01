// The state every dashboard view shares, read from the URL so a link reproduces the view.

export interface View {
  project: string;
  from: string;
  to: string;
}

export const DEFAULT_VIEW: View = { project: "default", from: "now-1h", to: "now" };

type Params = { get(name: string): string | null };

export function readView(params: Params): View {
  return {
    project: params.get("project") || DEFAULT_VIEW.project,
    from: params.get("from") || DEFAULT_VIEW.from,
    to: params.get("to") || DEFAULT_VIEW.to,
  };
}

/** What the server component's `searchParams` gives, with the same reading as the browser's. */
export function paramsOf(searchParams: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(searchParams)) {
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else if (value !== undefined) params.set(key, value);
  }
  return params;
}

/** The query string that carries the shared view state to another page. */
export function viewQuery(view: View, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  if (view.project !== DEFAULT_VIEW.project) params.set("project", view.project);
  if (view.from !== DEFAULT_VIEW.from) params.set("from", view.from);
  if (view.to !== DEFAULT_VIEW.to) params.set("to", view.to);
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  const query = params.toString();
  return query ? `?${query}` : "";
}

export const viewHref = (path: string, view: View, extra: Record<string, string | undefined> = {}) =>
  `${path}${viewQuery(view, extra)}`;

/** A page's path parameter arrives percent-encoded (the proxy has refused broken encodings). */
export function pathParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
