import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import type { Ctx } from "@/lib/auth/context";
import type { Keyset } from "../keyset";
import { isoTime, num, type Int8 } from "../sql";

export const NetworkOpView = z
  .object({
    id: z.string(),
    task_id: z.string(),
    host: z.string(),
    port: z.number(),
    operation: z.string(),
    start_time: z.string(),
    end_time: z.string().nullable(),
    latency_ms: z.number().nullable(),
    bytes_sent: z.number(),
    bytes_received: z.number(),
    error: z.string().nullable(),
  })
  .meta({ id: "NetworkOperation" });

export const networkColumns = sql`id, task_id, host, port, operation, ${isoTime(sql`start_time`)} as start_time,
  ${isoTime(sql`end_time`)} as end_time, latency_ms, bytes_sent, bytes_received, error,
  extract(epoch from start_time)::float8 * 1e6 as start_us`;

/** What `networkColumns` reads: the answer's fields with the byte counts as stored, and the start in µs for cursors. */
export type NetworkRow = Omit<z.output<typeof NetworkOpView>, "bytes_sent" | "bytes_received"> & {
  bytes_sent: Int8;
  bytes_received: Int8;
  start_us: number;
};

export const networkView = (r: NetworkRow): z.output<typeof NetworkOpView> => ({
  id: r.id,
  task_id: r.task_id,
  host: r.host,
  port: r.port,
  operation: r.operation,
  start_time: r.start_time,
  end_time: r.end_time,
  latency_ms: r.latency_ms,
  bytes_sent: num(r.bytes_sent),
  bytes_received: num(r.bytes_received),
  error: r.error,
});

export const NetworkResult = z.object({ operations: z.array(NetworkOpView), next_cursor: z.string().nullable() });

/** One page of the network operations that `where` selects, in `paging`'s order. */
export async function networkPage(
  ctx: Ctx,
  where: SQL[],
  paging: Keyset<NetworkRow>,
): Promise<z.output<typeof NetworkResult>> {
  const conditions = paging.after ? [...where, paging.after] : where;
  const rows = await queryRows<NetworkRow>(
    ctx.db,
    sql`select ${networkColumns} from network_ops
        where ${sql.join(conditions, sql` and `)} order by ${paging.orderBy} limit ${paging.limit}`,
  );
  const { items, next_cursor } = paging.page(rows);
  return { operations: items.map(networkView), next_cursor };
}
