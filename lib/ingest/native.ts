import { z } from "zod";
import type { Ctx } from "@/lib/auth/context";
import { ApiError, describeZodError } from "@/lib/errors";
import type { RecordBatch } from "@/lib/model/records";
import { EventIn, LogIn, MetricIn, NetworkOpIn, PipelineEventIn, SpanIn } from "@/lib/model/wire";
import { recordIngest } from "./self-metrics";
import { writeBatch } from "./outage";

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

/** The items of `{ "<key>": [...] }` or of a bare array. */
function itemsOf(body: unknown, key: string): unknown[] {
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
  return list;
}

interface Validated<T> {
  items: T[];
  errors: ItemError[];
  /** each valid item's index in the request */
  indexes: number[];
}

function validateRange<T>(list: unknown[], from: number, to: number, item: z.ZodType<T>, out: Validated<T>): void {
  for (let index = from; index < to; index++) {
    const parsed = item.safeParse(list[index]);
    if (parsed.success) {
      out.items.push(parsed.data);
      out.indexes.push(index);
    } else out.errors.push({ index, message: describeZodError(parsed.error) });
  }
}

/**
 * Reads `{ "<key>": [...] }` or a bare array and validates each item on its own: invalid items
 * are reported by index, valid ones go on.
 */
export function validateBatch<T>(body: unknown, key: string, item: z.ZodType<T>): Validated<T> {
  const list = itemsOf(body, key);
  const out: Validated<T> = { items: [], errors: [], indexes: [] };
  validateRange(list, 0, list.length, item, out);
  return out;
}

/** Items validated between two turns of the event loop: a few milliseconds of work. */
const ITEMS_PER_TURN = 500;

/**
 * validateBatch for a request of any size: a turn of the event loop between slices of items, so that a
 * body of a million items keeps no other request (health, sign-in, the next batch) waiting behind it.
 */
export async function validateBatchInTurns<T>(body: unknown, key: string, item: z.ZodType<T>): Promise<Validated<T>> {
  const list = itemsOf(body, key);
  const out: Validated<T> = { items: [], errors: [], indexes: [] };
  for (let from = 0; from < list.length; from += ITEMS_PER_TURN) {
    if (from > 0) await new Promise((resolve) => setImmediate(resolve));
    validateRange(list, from, Math.min(list.length, from + ITEMS_PER_TURN), item, out);
  }
  return out;
}

/** A service verb that validates a native batch item by item and stores the valid items. */
export function ingestWith<T>(key: string, item: z.ZodType<T>, toBatch: (items: T[]) => RecordBatch, signal = key) {
  return async ({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<IngestResult> => {
    const startedAt = performance.now();
    const { items, errors, indexes } = await validateBatchInTurns(input, key, item);
    // each item is one record of the batch, in order: a record's index is its item's
    const { notStored } = await writeBatch(ctx.database, ctx.projectId, toBatch(items));
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
