import { z } from "zod";
import type { Ctx } from "@/lib/auth/context";
import { ApiError, describeZodError } from "@/lib/errors";
import type { RecordBatch } from "@/lib/model/records";
import { EventIn, LogIn, MetricIn, NetworkOpIn, PipelineEventIn, SpanIn } from "@/lib/model/wire";
import { recordIngest } from "./self-metrics";
import { ingestWriter } from "./writer";

export interface ItemError {
  index: number;
  message: string;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  errors: ItemError[];
}

/** The answer lists at most this many item errors; `rejected` still counts them all. */
export const MAX_REPORTED_ERRORS = 100;

/**
 * Reads `{ "<key>": [...] }` or a bare array and validates each item on its own: invalid items
 * are reported by index, valid ones go on.
 */
export function validateBatch<T>(
  body: unknown,
  key: string,
  item: z.ZodType<T>,
): { items: T[]; errors: ItemError[]; indexes: number[] } {
  const list = Array.isArray(body)
    ? body
    : body && typeof body === "object" && Array.isArray((body as Record<string, unknown>)[key])
      ? ((body as Record<string, unknown>)[key] as unknown[])
      : undefined;
  if (!list) {
    throw new ApiError("validation_failed", `expected a JSON object { "${key}": [...] } or a JSON array`, [
      { path: key, message: "must be an array" },
    ]);
  }
  const items: T[] = [];
  /** each valid item's index in the request */
  const indexes: number[] = [];
  const errors: ItemError[] = [];
  list.forEach((raw, index) => {
    const parsed = item.safeParse(raw);
    if (parsed.success) {
      items.push(parsed.data);
      indexes.push(index);
    } else errors.push({ index, message: describeZodError(parsed.error) });
  });
  return { items, errors, indexes };
}

/** A service verb that validates a native batch item by item and stores the valid items. */
export function ingestWith<T>(key: string, item: z.ZodType<T>, toBatch: (items: T[]) => RecordBatch, signal = key) {
  return async ({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<IngestResult> => {
    const startedAt = performance.now();
    const { items, errors, indexes } = validateBatch(input, key, item);
    // each item is one record of the batch, in order: a record's index is its item's
    const { notStored } = await ingestWriter(ctx.database).write(ctx.projectId, toBatch(items));
    if (notStored.length > 0) {
      for (const n of notStored) errors.push({ index: indexes[n.index]!, message: n.reason });
      errors.sort((a, b) => a.index - b.index);
    }
    const accepted = items.length - notStored.length;
    recordIngest(signal, accepted, errors.length, startedAt);
    return { accepted, rejected: errors.length, errors: errors.slice(0, MAX_REPORTED_ERRORS) };
  };
}

export const ingestSpans = ingestWith("spans", SpanIn, (spans) => ({ spans }));
export const ingestEvents = ingestWith("events", EventIn, (events) => ({ events }));
export const ingestLogs = ingestWith("logs", LogIn, (logs) => ({ logs }));
export const ingestMetrics = ingestWith("metrics", MetricIn, (metrics) => ({ metrics }));
export const ingestPipelineEvents = ingestWith(
  "events",
  PipelineEventIn,
  (pipelineEvents) => ({ pipelineEvents }),
  "pipeline_events",
);
export const ingestNetworkOps = ingestWith("operations", NetworkOpIn, (networkOps) => ({ networkOps }), "network_ops");
