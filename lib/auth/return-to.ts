// Where sign-in returns to: the dashboard page the visitor asked for before being sent to /login, carried in its
// `next` parameter. Only a path on this site is followed; anything else (another origin, a protocol-relative
// `//host`, a backslash browsers read as a slash, an API path) returns to the overview.

/** The request header in which proxy.ts hands the page's path and query to the server components. */
export const PAGE_URL_HEADER = "x-tracedeck-page";

const ORIGIN = "http://dashboard.internal";

/** `value` when it is a dashboard path of this site (with its query), else "/". */
export function returnPath(value: string | null | undefined): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || /[\\\u0000-\u001f]/.test(value)) return "/";
  let url: URL;
  try {
    url = new URL(value, ORIGIN);
  } catch {
    return "/";
  }
  if (url.origin !== ORIGIN || /^\/(api|v1|login|setup)(\/|$)/.test(url.pathname)) return "/";
  return `${url.pathname}${url.search}`;
}

/** The sign-in page's address that returns to `path` afterwards. */
export function loginPath(path: string | null | undefined): string {
  const back = returnPath(path);
  return back === "/" ? "/login" : `/login?next=${encodeURIComponent(back)}`;
}
