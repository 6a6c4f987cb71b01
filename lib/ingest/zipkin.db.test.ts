import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase } from "@/db/testing";
import type { Database } from "@/db";
import { getTrace } from "@/lib/query/traces";
import { ingestZipkinSpans, sharedServerSpanId } from "./zipkin";

// Zipkin's shared spans (B3: the server half of an RPC reports its client's span id) on Zipkin's own
// test payloads: every span read back, the server half under its client half.

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

interface Zipkin {
  traceId: string;
  id: string;
  parentId?: string;
  kind?: string;
  shared?: boolean;
  timestamp: number;
  localEndpoint?: { serviceName?: string };
  annotations?: { timestamp: number; value: string }[];
}

/** A payload of testdata/zipkin, moved to an hour ago (its own dates are past any retention). */
function payload(name: string): Zipkin[] {
  const spans = JSON.parse(readFileSync(path.join(__dirname, "testdata/zipkin", name), "utf8")) as Zipkin[];
  const shift = (Date.now() - 3_600_000) * 1000 - Math.min(...spans.map((s) => s.timestamp));
  return spans.map((s) => ({
    ...s,
    timestamp: s.timestamp + shift,
    ...(s.annotations ? { annotations: s.annotations.map((a) => ({ ...a, timestamp: a.timestamp + shift })) } : {}),
  }));
}

const trace = async (ctx: Awaited<ReturnType<typeof createTestProject>>, traceId: string) =>
  getTrace({ ctx, input: { trace_id: traceId.padStart(32, "0") } });

describe("Zipkin shared spans", () => {
  it.each(["skew.json", "yelp.json"])(
    "%s: every span is stored, the server half a child of its client half",
    async (name) => {
      const ctx = await createTestProject(database);
      const spans = payload(name);
      const shared = spans.filter((s) => s.shared && s.kind === "SERVER" && s.parentId);
      expect(shared.length).toBeGreaterThan(0);
      expect(await ingestZipkinSpans({ ctx, input: spans })).toMatchObject({ accepted: spans.length, rejected: 0 });

      const stored = await trace(ctx, spans[0]!.traceId);
      expect(stored.span_count).toBe(spans.length);
      expect(stored.spans).toHaveLength(spans.length);
      const byId = new Map(stored.spans.map((s) => [s.span_id, s]));
      for (const server of shared) {
        const client = spans.find((s) => s.id === server.id && !s.shared)!;
        const serverHalf = byId.get(sharedServerSpanId(server.traceId.padStart(32, "0"), server.id))!;
        expect(serverHalf).toMatchObject({ parent_span_id: server.id, kind: "server" });
        expect(serverHalf.service_name).toBe(server.localEndpoint?.serviceName);
        expect(byId.get(server.id)).toMatchObject({ kind: "client", parent_span_id: client.parentId ?? null });
      }

      // one root, the payload's: a shared server span without a parent keeps its id, and its children find it
      const roots = spans.filter((s) => !s.parentId);
      expect(roots).toHaveLength(1);
      expect(stored.spans.filter((s) => s.parent_span_id === null).map((s) => s.span_id)).toEqual([roots[0]!.id]);
      expect(stored.spans.filter((s) => s.parent_span_id !== null && !byId.has(s.parent_span_id))).toEqual([]);

      // a retried batch stores nothing twice
      await ingestZipkinSpans({ ctx, input: spans });
      expect((await trace(ctx, spans[0]!.traceId)).span_count).toBe(spans.length);
    },
  );

  it("keeps both halves when they come in requests of their own, in either order", async () => {
    const ctx = await createTestProject(database);
    const spans = payload("skew.json");
    const server = spans.filter((s) => s.shared);
    const rest = spans.filter((s) => !s.shared);
    expect(await ingestZipkinSpans({ ctx, input: server })).toMatchObject({ accepted: server.length });
    expect(await ingestZipkinSpans({ ctx, input: rest })).toMatchObject({ accepted: rest.length });
    expect((await trace(ctx, spans[0]!.traceId)).span_count).toBe(spans.length);
  });

  it("gives a server half the same id every time, and never the one it shares", () => {
    const id = sharedServerSpanId("00000000000000001e223ff1f80f1c69", "74280ae0c10d8062");
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).not.toBe("74280ae0c10d8062");
    expect(sharedServerSpanId("00000000000000001e223ff1f80f1c69", "74280ae0c10d8062")).toBe(id);
    expect(sharedServerSpanId("00000000000000001e223ff1f80f1c6a", "74280ae0c10d8062")).not.toBe(id);
  });
});
