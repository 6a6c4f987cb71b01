/**
 * Header carriers a propagator reads from and writes to. Two shapes cover Node and fetch:
 * a plain record (Node's `IncomingHttpHeaders` and `OutgoingHttpHeaders`, message attributes)
 * and the fetch `Headers` class. Header names are case-insensitive in HTTP, so both are read
 * and written without regard to case.
 */
export type HeaderRecord = Record<string, string | string[] | undefined>;
export type Carrier = HeaderRecord | Headers;

/**
 * Every value of a header. Repeated headers matter to the caller: two `traceparent` headers
 * make the request's trace ambiguous, while several `tracestate` headers form one list.
 */
export function getHeader(carrier: Carrier, name: string): string[] {
  const wanted = name.toLowerCase();
  if (carrier instanceof Headers) {
    const value = carrier.get(wanted);
    return value === null ? [] : [value];
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(carrier)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    values.push(...(typeof value === "string" ? [value] : value));
  }
  return values;
}

/** Replaces the header, including any spelling of its name in another case. */
export function setHeader(carrier: Carrier, name: string, value: string): void {
  const lowerName = name.toLowerCase();
  if (carrier instanceof Headers) {
    carrier.set(lowerName, value);
    return;
  }
  for (const key of Object.keys(carrier)) {
    if (key.toLowerCase() === lowerName) delete carrier[key];
  }
  carrier[lowerName] = value;
}
