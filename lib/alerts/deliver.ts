import { eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db";
import { alertChannels, alertNotifications } from "@/db/schema";
import { config } from "@/lib/config";
import { defaultGuard, type TargetGuard } from "@/lib/publishers/egress";
import { describeFailure } from "@/lib/publishers/failure";
import { ChannelFailure, channelSender } from "./channels";
import { openChannelConfig } from "./channel-config";
import type { AlertMessage } from "./message";

// The outbox's sender: notifications due are taken (their next attempt moved a lease ahead, so no
// other node takes them meanwhile), sent, and marked delivered, or retried with doubling waits until
// the attempts run out. A channel that cannot be reached delays only its own notifications.

/** Attempts before a notification is given up: with the default first wait of 30 s, about two hours of retries. */
export const MAX_ATTEMPTS = 9;
/** Notifications one pass takes. */
const BATCH = 50;
/** How long one send may take. */
const SEND_TIMEOUT_MS = 15_000;
/** How long a taken notification stays the taker's (a node that died sending it leaves it to others after this). */
const LEASE_MS = 60_000;
/** The longest wait between attempts. */
const MAX_WAIT_MS = 30 * 60_000;

export interface DeliveryOptions {
  now?: Date;
  /** one project's notifications only */
  projectId?: string;
  retryMs?: number;
  guard?: TargetGuard;
}

export interface DeliveryResult {
  delivered: number;
  /** failed this time, to be tried again */
  retried: number;
  /** given up (the target refused for good, or the attempts ran out) */
  failed: number;
}

/** The wait before attempt `attempts + 1`. */
export const retryDelay = (retryMs: number, attempts: number) => Math.min(retryMs * 2 ** (attempts - 1), MAX_WAIT_MS);

type Taken = { id: string; channel_id: string; message: AlertMessage; attempts: number };

/** Sends the notifications due now. */
export async function deliverNotifications(database: Database, options: DeliveryOptions = {}): Promise<DeliveryResult> {
  const now = options.now ?? new Date();
  const retryMs = options.retryMs ?? config().alertRetryMs;
  const { db } = database;
  const taken = await queryRows<Taken>(
    db,
    sql`update alert_notifications set next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}::timestamptz, attempts = attempts + 1
        where id in (
          select id from alert_notifications
          where delivered_at is null and failed_at is null and next_attempt_at <= ${now.toISOString()}::timestamptz
            ${options.projectId === undefined ? sql`` : sql`and project_id = ${options.projectId}`}
          order by next_attempt_at limit ${BATCH} for update skip locked)
        returning id, channel_id, message, attempts`,
  );
  const result: DeliveryResult = { delivered: 0, retried: 0, failed: 0 };
  if (taken.length === 0) return result;
  const channels = await db
    .select()
    .from(alertChannels)
    .where(
      inArray(
        alertChannels.id,
        taken.map((t) => t.channel_id),
      ),
    );
  const guard = options.guard ?? defaultGuard();
  await Promise.all(
    channels.map(async (channel) => {
      const mine = taken.filter((t) => t.channel_id === channel.id);
      let sender;
      try {
        if (!channel.enabled) throw new ChannelFailure("the channel is disabled", true);
        sender = channelSender(channel.type, openChannelConfig(channel), guard);
      } catch (error) {
        for (const t of mine) await settle(database, channel.id, t, failureOf(error), now, retryMs, result);
        return;
      }
      try {
        // one at a time per channel, in the order the changes happened
        for (const t of mine.sort((a, b) => a.message.at.localeCompare(b.message.at))) {
          try {
            await sender.send(t.message, AbortSignal.timeout(SEND_TIMEOUT_MS));
            await settle(database, channel.id, t, null, now, retryMs, result);
          } catch (error) {
            await settle(database, channel.id, t, failureOf(error), now, retryMs, result);
          }
        }
      } finally {
        await sender.close();
      }
    }),
  );
  return result;
}

const failureOf = (error: unknown): ChannelFailure =>
  error instanceof ChannelFailure ? error : new ChannelFailure(describeFailure(error, "the channel"));

/** Records how a send went, on the notification and on its channel's status. */
async function settle(
  database: Database,
  channelId: string,
  t: Taken,
  failure: ChannelFailure | null,
  now: Date,
  retryMs: number,
  result: DeliveryResult,
): Promise<void> {
  const { db } = database;
  const at = new Date();
  if (!failure) {
    result.delivered++;
    await db.transaction(async (tx) => {
      await tx
        .update(alertNotifications)
        .set({ deliveredAt: at, lastError: null })
        .where(eq(alertNotifications.id, t.id));
      await tx
        .update(alertChannels)
        .set({ sentCount: sql`${alertChannels.sentCount} + 1`, lastSuccessAt: at })
        .where(eq(alertChannels.id, channelId));
    });
    return;
  }
  const giveUp = failure.permanent || t.attempts >= MAX_ATTEMPTS;
  if (giveUp) result.failed++;
  else result.retried++;
  const error =
    giveUp && !failure.permanent ? `${failure.message} (gave up after ${t.attempts} attempts)` : failure.message;
  await db.transaction(async (tx) => {
    await tx
      .update(alertNotifications)
      .set(
        giveUp
          ? { failedAt: at, lastError: error }
          : { lastError: error, nextAttemptAt: new Date(now.getTime() + retryDelay(retryMs, t.attempts)) },
      )
      .where(eq(alertNotifications.id, t.id));
    await tx
      .update(alertChannels)
      .set({ failedCount: sql`${alertChannels.failedCount} + 1`, lastError: error, lastErrorAt: at })
      .where(eq(alertChannels.id, channelId));
  });
}

/** Sends a test message through a channel now; throws a ChannelFailure saying why it did not arrive. */
export async function sendTestMessage(
  channel: typeof alertChannels.$inferSelect,
  message: AlertMessage,
  guard: TargetGuard = defaultGuard(),
): Promise<void> {
  const sender = channelSender(channel.type, openChannelConfig(channel), guard);
  try {
    await sender.send(message, AbortSignal.timeout(SEND_TIMEOUT_MS));
  } catch (error) {
    throw failureOf(error);
  } finally {
    await sender.close();
  }
}
