import type { ClientOptions } from "@elastic/elasticsearch";
import { and, eq, sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db";
import { isForeignKeyViolation } from "@/db/errors";
import { publishers, publisherSamples, publisherStatus } from "@/db/schema";
import { ingestWriter } from "@/lib/ingest/writer";
import type { RecordBatch } from "@/lib/model/records";
import { buildPublisher, type RunningPublisher } from "./build";
import type { PublisherType } from "./config";
import { defaultGuard, type TargetGuard } from "./egress";
import { hasPlainSecrets, openSecrets, sealSecrets, secretKey } from "./secrets";
import { errorMessage } from "@/lib/shared/error-message";
import { forwardedRecords, type ForwardedSignal } from "./records";

// The server's publishers at run time. It keeps the running set in step with the publishers
// table (re-read on an interval and whenever the admin API changes one), takes every committed
// ingest batch from the writer and hands each project's records to its publishers (in memory,
// synchronously: never a wait on a target), and writes each publisher's status row and a sample
// for its chart on the same interval.

export interface RuntimeOptions {
  /** Milliseconds between config re-reads and status writes (default 5 s). */
  intervalMs: number;
  /** Options for Elasticsearch clients (tests pass a mock connection). */
  elasticsearch?: Partial<ClientOptions>;
  /** Run only these projects' publishers (by id); all when absent. */
  projectIds?: string[];
  /** The clock (epoch ms) that status times and the record publishers' backoff go by; tests move it instead of waiting. */
  now?: () => number;
  /** What publishers may connect to (default: as TRACEDECK_ALLOW_PRIVATE_TARGETS says). */
  guard?: TargetGuard;
}

interface Row {
  id: string;
  projectId: string;
  slug: string;
  name: string;
  type: PublisherType;
  enabled: boolean;
  config: Record<string, unknown>;
}

interface Running {
  row: Row;
  /** type, config, enabled and project slug as JSON: a change rebuilds the publisher */
  version: string;
  publisher: RunningPublisher | undefined;
  /** why it could not start (a config that no longer validates) */
  problem: string | undefined;
  statusWritten: boolean;
  lastSample: { at: number; key: string } | undefined;
  /** counts of the publisher's earlier runs (before a restart or a config change): its status adds them */
  base: Counts;
}

interface Counts {
  sent: number;
  failed: number;
  dropped: number;
}

/** A sample is written when the counters moved, and at least this often otherwise (a flat line on the chart). */
const SAMPLE_HEARTBEAT_MS = 60_000;

export class PublisherRuntime {
  private running = new Map<string, Running>();
  private projects = new Map<string, { slug: string; publishers: RunningPublisher[]; signals: Set<ForwardedSignal> }>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly stopListening: () => void;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;
  private readonly guard: TargetGuard;
  /** publishers whose plain credentials could not be sealed (said once in the log) */
  private readonly unsealed = new Set<string>();

  constructor(
    private readonly database: Database,
    private readonly options: RuntimeOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.guard = options.guard ?? defaultGuard();
    this.stopListening = ingestWriter(database).onCommit((projectId, batch) => this.offer(projectId, batch));
    this.timer = setInterval(() => void this.tick(), options.intervalMs);
    this.timer.unref();
  }

  /**
   * Hands a committed batch to the project's publishers. Called by the writer before it answers
   * ingest, so the documents are made on the next turn of the event loop, not on ingest's time.
   */
  offer(projectId: string, batch: RecordBatch): void {
    if (!this.projects.get(projectId)?.signals.size) return;
    setImmediate(() => {
      // the publishers as they are now: a reload in between replaced some
      const project = this.projects.get(projectId);
      if (!project || project.signals.size === 0) return;
      const records = forwardedRecords(batch, project.signals, project.slug);
      if (records.length === 0) return;
      for (const publisher of project.publishers) publisher.offer(records);
    });
  }

  /** Re-reads the config, then writes statuses; one at a time. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        await this.reload();
        await this.writeStatus();
      } catch (error) {
        console.error(`tracedeck: publishers: ${errorMessage(error)}`);
      }
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** After an admin's change: the publishers follow the table at once, and their statuses show it. Never rejects (the timer tries again). */
  async refresh(): Promise<void> {
    try {
      await this.reload();
      await this.writeStatus();
    } catch (error) {
      console.error(`tracedeck: publishers: ${errorMessage(error)}`);
    }
  }

  /** Brings the running publishers in step with the table: new ones start, changed ones restart (keeping their queue), removed ones stop. */
  async reload(): Promise<void> {
    if (this.stopped) return;
    const rows = await queryRows<Record<string, unknown>>(
      this.database.db,
      sql`select p.id, p.project_id, pr.slug, p.name, p.type, p.enabled, p.config, s.sent_count, s.failed_count, s.dropped_count
          from publishers p join projects pr on pr.id = p.project_id left join publisher_status s on s.publisher_id = p.id
          where p.origin = 'server'`,
    );
    const seen = new Set<string>();
    const only = this.options.projectIds;
    for (const r of rows) {
      if (only && !only.includes(String(r.project_id))) continue;
      const row: Row = {
        id: String(r.id),
        projectId: String(r.project_id),
        slug: String(r.slug),
        name: String(r.name),
        type: r.type as PublisherType,
        enabled: Boolean(r.enabled),
        config: (r.config as Record<string, unknown>) ?? {},
      };
      seen.add(row.id);
      row.config = await this.sealPlainSecrets(row);
      const version = JSON.stringify([row.type, row.config, row.enabled, row.slug, row.name]);
      const current = this.running.get(row.id);
      if (current?.version === version) continue;
      let publisher: RunningPublisher | undefined;
      let problem: string | undefined;
      if (row.enabled) {
        try {
          const config = openSecrets(row.config, { projectId: row.projectId, publisherId: row.id });
          publisher = buildPublisher(row.type, config, {
            db: this.database.db,
            guard: this.guard,
            projectId: row.projectId,
            projectSlug: row.slug,
            name: row.name,
            now: this.now,
            ...(this.options.elasticsearch ? { elasticsearch: this.options.elasticsearch } : {}),
          });
        } catch (error) {
          problem = `not started: ${errorMessage(error)}`;
        }
      }
      // counts carry on across restarts: from the running publisher, or from the stored status at start
      let base: Counts = current
        ? { ...current.base }
        : {
            sent: Number(r.sent_count ?? 0),
            failed: Number(r.failed_count ?? 0),
            dropped: Number(r.dropped_count ?? 0),
          };
      if (current?.publisher) {
        const { sent, failed, dropped } = current.publisher.status();
        base = { sent: base.sent + sent, failed: base.failed + failed, dropped: base.dropped + dropped };
        if (publisher) publisher.adopt(current.publisher);
        void current.publisher.close();
      }
      this.running.set(row.id, { row, version, publisher, problem, statusWritten: false, lastSample: undefined, base });
    }
    for (const [id, gone] of this.running) {
      if (seen.has(id)) continue;
      void gone.publisher?.close();
      this.running.delete(id);
    }
    this.index();
  }

  /**
   * A config saved before credentials were encrypted is stored again with them sealed, unless it changed meanwhile;
   * the config to run either way. Without a usable key it runs as it is, and the server log says why.
   */
  private async sealPlainSecrets(row: Row): Promise<Record<string, unknown>> {
    if (!hasPlainSecrets(row.config)) return row.config;
    try {
      const sealed = sealSecrets(row.config, { projectId: row.projectId, publisherId: row.id });
      const [updated] = await this.database.db
        .update(publishers)
        .set({ config: sealed })
        .where(and(eq(publishers.id, row.id), sql`${publishers.config} = ${JSON.stringify(row.config)}::jsonb`))
        .returning({ id: publishers.id });
      return updated ? sealed : row.config;
    } catch (error) {
      if (!this.unsealed.has(row.id))
        console.error(`tracedeck: publisher ${row.name}: its credentials stay unencrypted: ${errorMessage(error)}`);
      this.unsealed.add(row.id);
      return row.config;
    }
  }

  private index(): void {
    const projects = new Map<string, { slug: string; publishers: RunningPublisher[]; signals: Set<ForwardedSignal> }>();
    for (const { row, publisher } of this.running.values()) {
      if (!publisher) continue;
      let project = projects.get(row.projectId);
      if (!project) projects.set(row.projectId, (project = { slug: row.slug, publishers: [], signals: new Set() }));
      project.publishers.push(publisher);
      for (const signal of publisher.signals) project.signals.add(signal);
    }
    this.projects = projects;
  }

  /** Writes each publisher's status row, and a sample when its counters moved. */
  async writeStatus(): Promise<void> {
    const now = new Date(this.now());
    for (const entry of this.running.values()) {
      const { row, publisher } = entry;
      if (!publisher) {
        // disabled, a type that forwards nothing, or a config that does not start: written once
        if (entry.statusWritten || row.type === "other") continue;
        await this.upsertStatus(row.id, {
          state: row.enabled ? "failing" : "disabled",
          lastError: entry.problem ?? null,
          lastErrorAt: entry.problem ? now : null,
          backlog: 0,
          updatedAt: now,
        });
        entry.statusWritten = true;
        continue;
      }
      const own = publisher.status();
      const status = {
        ...own,
        sent: entry.base.sent + own.sent,
        failed: entry.base.failed + own.failed,
        dropped: entry.base.dropped + own.dropped,
      };
      await this.upsertStatus(row.id, {
        state: status.state,
        lastSuccessAt: status.lastSuccessAt,
        lastError: status.lastError,
        lastErrorAt: status.lastErrorAt,
        sentCount: status.sent,
        failedCount: status.failed,
        droppedCount: status.dropped,
        backlog: status.backlog,
        updatedAt: now,
      });
      entry.statusWritten = true;
      const key = `${status.sent}/${status.failed}/${status.dropped}/${status.backlog}`;
      if (
        !entry.lastSample ||
        entry.lastSample.key !== key ||
        now.getTime() - entry.lastSample.at >= SAMPLE_HEARTBEAT_MS
      ) {
        await this.database.db.insert(publisherSamples).values({
          publisherId: row.id,
          time: now,
          sentCount: status.sent,
          failedCount: status.failed,
          droppedCount: status.dropped,
          backlog: status.backlog,
        });
        entry.lastSample = { at: now.getTime(), key };
      }
    }
  }

  private async upsertStatus(
    publisherId: string,
    status: Omit<typeof publisherStatus.$inferInsert, "publisherId">,
  ): Promise<void> {
    try {
      await this.database.db
        .insert(publisherStatus)
        .values({ publisherId, ...status })
        .onConflictDoUpdate({ target: publisherStatus.publisherId, set: status });
    } catch (error) {
      // the publisher was deleted meanwhile (its status row would point at nothing)
      if (!isForeignKeyViolation(error)) throw error;
    }
  }

  /** Sends what every publisher holds now (tests, and shutdown). */
  async flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // batches handed over but not yet queued
    await Promise.all([...this.running.values()].map((r) => r.publisher?.flush()));
  }

  /** Stops listening, gives each publisher a last chance to send, and writes the final statuses. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopListening();
    clearInterval(this.timer);
    await this.ticking;
    this.stopped = true;
    await Promise.allSettled([...this.running.values()].map((r) => r.publisher?.close()));
    await this.writeStatus().catch(() => undefined);
  }
}

// on globalThis, like the writers: start-up code starts the runtime, the admin API's handlers reload it
const slot = globalThis as { __tracedeckPublishers?: WeakMap<Database, PublisherRuntime> };
const runtimes = (slot.__tracedeckPublishers ??= new WeakMap<Database, PublisherRuntime>());

/** The running publishers of this process for a database: started on first call, configured from the table. */
export function startPublishers(database: Database, options: RuntimeOptions): PublisherRuntime {
  let runtime = runtimes.get(database);
  if (!runtime) {
    try {
      // made (or read) at start, so that a key file exists from the first start on, and a damaged one is said at once
      secretKey();
    } catch (error) {
      console.error(`tracedeck: publisher credentials cannot be encrypted or read: ${errorMessage(error)}`);
    }
    runtime = new PublisherRuntime(database, options);
    runtimes.set(database, runtime);
    void runtime.tick();
  }
  return runtime;
}

/** The runtime for a database, if publishers run in this process. */
export const publisherRuntime = (database: Database): PublisherRuntime | undefined => runtimes.get(database);
