import { afterAll, beforeAll, expect, it } from "vitest";
import { createKey, dashboardCookie, startServer, type RunningServer } from "./server";

// Dashboard pages arrive with their first data: the HTML the server sends already holds what the
// REST API answered, before any script runs.

let server: RunningServer;
let cookie: string;
const service = `prefetched-${Date.now().toString(36)}`;

beforeAll(async () => {
  server = await startServer({});
  cookie = await dashboardCookie(server.url);
  const key = await createKey(server.env, "ingest");
  const response = await fetch(`${server.url}/api/v1/spans`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({
      spans: [
        {
          name: "GET /prefetched-route",
          service_name: service,
          kind: "server",
          start_time: Date.now() / 1000 - 5,
          duration_ms: 7,
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const page = async (path: string) => {
  const response = await fetch(server.url + path, { headers: { cookie } });
  expect(response.status, path).toBe(200);
  return response.text();
};

it("renders the overview's services and the trace list into the server's HTML", async () => {
  expect(await page("/?from=now-15m")).toContain(service);
  expect(await page(`/traces?from=now-15m&service=${service}`)).toContain("GET /prefetched-route");
  // a range without data: the server's HTML says so, it does not show a loading state
  expect(await page("/?from=2020-01-01T00:00:00Z&to=2020-01-01T01:00:00Z")).toContain(
    "No service handled requests in this time range",
  );
});
