import { describe, expect, it } from "vitest";
import { routes } from "@/lib/api/routes";
import { endpointKey, endpointUrl, request } from "./api";

describe("endpoint requests", () => {
  it("fill the endpoint's path template, percent-encoded, and add the query without empty values", () => {
    const call = request("getTask", { params: { task_id: "task/1 a" }, query: { project: "shop" } });
    expect(endpointUrl(call)).toBe("/api/v1/pipeline/events/task%2F1%20a?project=shop");
    expect(
      endpointUrl(
        request("searchTraces", {
          query: { service: "api", operation: "", attr: ["a:1", "b:2"], limit: 50, cursor: undefined },
        }),
      ),
    ).toBe("/api/v1/traces?service=api&attr=a%3A1&attr=b%3A2&limit=50");
  });

  it("are keyed by their URL, so a prefetched answer is the one the browser reads", () => {
    const a = request("listServices", { query: { project: "p", from: "now-1h" } });
    const b = request("listServices", { query: { project: "p", from: "now-1h" } });
    expect(endpointKey(a)).toEqual(endpointKey(b));
    expect(endpointKey(a)).not.toEqual(endpointKey(request("listServices", { query: { project: "q" } })));
  });

  it("know every route by name", () => {
    for (const route of Object.values(routes)) expect(route).toMatch(/^(GET|POST|PATCH|DELETE) \/\S+$/);
  });
});
