import type { Pool, PoolClient } from 'pg';
import type { EventNotifier } from './event-notifier';
import type { EventRow, EventStore } from './event-store';
import { liveTarget, rebuildTarget, type Projection, type ProjectionTarget } from './projection';
import type { StoredOf } from './types';
import { WakeLoop, type StepResult } from './wake-loop';

export interface ProjectionRunnerOptions {
  batchSize?: number;
  idlePollMs?: number;
  /** Called when an event makes the projection fail (it then stops at that event). */
  onFailure?: (failure: ProjectionFailure) => void;
  /** Called when a batch failed for a reason no event is to blame for (connection lost); it is retried. */
  onRetry?: (error: unknown) => void;
}

export interface ProjectionFailure {
  projection: string;
  version: number;
  position: bigint;
  error: string;
}

export interface ProjectionStatus {
  name: string;
  version: number;
  position: bigint;
  state: 'running' | 'failed' | 'rebuilding';
  error: string | null;
  errorPosition: bigint | null;
}

/** A checkpoint row: the live one is `name`, a rebuild in progress is `name:rebuild`. */
interface Lane {
  key: string;
  target: ProjectionTarget;
}

type Batch<E extends { type: string; data: unknown }> = {
  events: StoredOf<E>[];
  head: bigint;
};

/**
 * Keeps one projection current. Each batch runs in one transaction that locks the checkpoint
 * row, reads the events after it, applies them and moves the checkpoint: several workers may
 * run the same projection, and each event still takes effect exactly once.
 */
export class ProjectionRunner<E extends { type: string; data: unknown }> {
  private readonly loop: WakeLoop;
  private readonly live: Lane;
  private failures = 0;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore<E>,
    private readonly projection: Projection<E>,
    notifier: EventNotifier | null,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.live = { key: projection.name, target: liveTarget(projection) };
    this.loop = new WakeLoop(() => this.step(), notifier, options.idlePollMs ?? 5_000);
  }

  /** Creates the tables and checkpoint if missing, then follows the log. */
  async start(): Promise<void> {
    await this.prepare(this.live);
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Processes everything committed so far (used by tests, the demo and rebuilds). */
  async catchUp(): Promise<void> {
    await this.prepare(this.live);
    for (;;) {
      const result = await this.runBatch(this.live);
      if (result.retryInMs !== undefined)
        throw new Error(`projection ${this.projection.name} failed`);
      if (!result.more) return;
    }
  }

  async status(): Promise<ProjectionStatus> {
    const { rows } = await this.pool.query<{
      position: string;
      state: ProjectionStatus['state'];
      error: string | null;
      error_position: string | null;
    }>(
      'SELECT position, state, error, error_position FROM projection_checkpoints WHERE name = $1 AND version = $2',
      [this.live.key, this.projection.version],
    );
    const row = rows[0];
    return {
      name: this.projection.name,
      version: this.projection.version,
      position: BigInt(row?.position ?? 0),
      state: row?.state ?? 'running',
      error: row?.error ?? null,
      errorPosition: row?.error_position ? BigInt(row.error_position) : null,
    };
  }

  /**
   * Rebuilds the read model from zero into fresh tables while the live one keeps serving, then
   * swaps them in one transaction. `beforeSwap` sees both at the same position (tests compare).
   */
  async rebuild(
    beforeSwap?: (
      tx: PoolClient,
      live: ProjectionTarget,
      rebuilt: ProjectionTarget,
    ) => Promise<void>,
  ): Promise<void> {
    const lane: Lane = {
      key: `${this.projection.name}:rebuild`,
      target: rebuildTarget(this.projection),
    };
    await this.withTx(async (tx) => {
      for (const base of this.projection.tables)
        await tx.query(`DROP TABLE IF EXISTS ${lane.target.table(base)}`);
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1 AND version = $2', [
        lane.key,
        this.projection.version,
      ]);
    });
    await this.prepare(lane, 'rebuilding');
    await this.prepare(this.live);
    for (;;) {
      const result = await this.runBatch(lane);
      if (result.retryInMs !== undefined)
        throw new Error(`rebuild of ${this.projection.name} failed`);
      if (!result.more) break;
    }
    await this.swap(lane, beforeSwap);
  }

  private async swap(
    lane: Lane,
    beforeSwap?: (
      tx: PoolClient,
      live: ProjectionTarget,
      rebuilt: ProjectionTarget,
    ) => Promise<void>,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.withTx(async (tx) => {
          // One snapshot for the whole swap: both lanes catch up to exactly the same head.
          await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
          let livePosition = await this.lockCheckpoint(tx, this.live);
          let rebuiltPosition = await this.lockCheckpoint(tx, lane);
          for (let more = true; more;)
            ({ more, position: livePosition } = await this.applyNext(tx, this.live, livePosition));
          for (let more = true; more;)
            ({ more, position: rebuiltPosition } = await this.applyNext(tx, lane, rebuiltPosition));
          await beforeSwap?.(tx, this.live.target, lane.target);
          for (const base of this.projection.tables) {
            const liveTable = this.live.target.table(base);
            await tx.query(`DROP TABLE ${liveTable}`);
            await tx.query(`ALTER TABLE ${lane.target.table(base)} RENAME TO ${liveTable}`);
          }
          await this.saveCheckpoint(tx, this.live, rebuiltPosition);
          await tx.query('DELETE FROM projection_checkpoints WHERE name = $1 AND version = $2', [
            lane.key,
            this.projection.version,
          ]);
        });
        return;
      } catch (error) {
        // A live runner moved the checkpoint after our snapshot: take a new one.
        if ((error as { code?: string }).code !== '40001' || attempt > 20) throw error;
      }
    }
  }

  private step(): Promise<StepResult> {
    return this.runBatch(this.live);
  }

  private async runBatch(lane: Lane): Promise<StepResult> {
    let failed: { position: bigint; error: string } | null = null;
    let more = false;
    try {
      await this.withTx(async (tx) => {
        const from = await this.lockCheckpoint(tx, lane);
        const result = await this.applyNext(tx, lane, from);
        more = result.more;
      });
      this.failures = 0;
      return { more };
    } catch (error) {
      failed = await this.isolateFailure(lane);
      if (!failed) {
        // Not an event's fault (connection lost, deadlock): retry with backoff.
        this.failures++;
        this.options.onRetry?.(error);
        return { more: false, retryInMs: Math.min(200 * 2 ** this.failures, 30_000) };
      }
      this.failures++;
      this.options.onFailure?.({
        projection: this.projection.name,
        version: this.projection.version,
        ...failed,
      });
      void error;
      return { more: false, retryInMs: Math.min(1_000 * 2 ** (this.failures - 1), 60_000) };
    }
  }

  /**
   * After a failed batch, applies its events one by one: those before the culprit commit, the
   * checkpoint stops just before it and the failure is recorded. Returns null when every event
   * applies (the failure was transient).
   */
  private async isolateFailure(lane: Lane): Promise<{ position: bigint; error: string } | null> {
    let failure: { position: bigint; error: string } | null = null;
    try {
      await this.withTx(async (tx) => {
        let position = await this.lockCheckpoint(tx, lane);
        const { events } = await this.readBatch(tx, position);
        for (const event of events) {
          await tx.query('SAVEPOINT one_event');
          try {
            await this.projection.apply(tx, [event], lane.target);
            await tx.query('RELEASE SAVEPOINT one_event');
            position = event.globalPosition;
          } catch (error) {
            await tx.query('ROLLBACK TO SAVEPOINT one_event');
            failure = {
              position: event.globalPosition,
              error: (error as Error).message ?? String(error),
            };
            break;
          }
        }
        await this.saveCheckpoint(tx, lane, position, failure);
      });
    } catch {
      return null;
    }
    return failure;
  }

  /** Reads and applies the next batch after `from` inside `tx`; moves the checkpoint. */
  private async applyNext(
    tx: PoolClient,
    lane: Lane,
    from: bigint,
  ): Promise<{ more: boolean; position: bigint }> {
    const limit = this.options.batchSize ?? 1000;
    const { events, head } = await this.readBatch(tx, from);
    const last = events[events.length - 1];
    if (events.length > 0) await this.projection.apply(tx, events, lane.target);
    // A short batch saw everything up to the head in the same snapshot: skip past the rest.
    const position =
      events.length === limit && last ? last.globalPosition : head > from ? head : from;
    if (position !== from) await this.saveCheckpoint(tx, lane, position);
    return { more: events.length === limit, position };
  }

  private async readBatch(tx: PoolClient, from: bigint): Promise<Batch<E>> {
    const { rows } = await tx.query<EventRow & { head: string | null }>(
      `SELECT h.head, b.* FROM (SELECT max(global_position) AS head FROM events) h
       LEFT JOIN LATERAL (
         SELECT global_position, event_id, stream_id, stream_version, type, schema_version, data,
                metadata, recorded_at
         FROM events WHERE global_position > $1 AND type = ANY($2)
         ORDER BY global_position LIMIT $3
       ) b ON true ORDER BY b.global_position`,
      [from.toString(), this.projection.handles, this.options.batchSize ?? 1000],
    );
    const head = BigInt(rows[0]?.head ?? 0);
    const events = rows
      .filter((r) => r.global_position !== null)
      .map((r) => this.store.toStored(r));
    return { events, head };
  }

  private async lockCheckpoint(tx: PoolClient, lane: Lane): Promise<bigint> {
    const { rows } = await tx.query<{ position: string }>(
      'SELECT position FROM projection_checkpoints WHERE name = $1 AND version = $2 FOR UPDATE',
      [lane.key, this.projection.version],
    );
    if (!rows[0])
      throw new Error(`projection ${lane.key} v${this.projection.version} has no checkpoint`);
    return BigInt(rows[0].position);
  }

  private async saveCheckpoint(
    tx: PoolClient,
    lane: Lane,
    position: bigint,
    failure: { position: bigint; error: string } | null = null,
  ): Promise<void> {
    await tx.query(
      `UPDATE projection_checkpoints
       SET position = $3, state = CASE WHEN $4::text IS NULL THEN
             (CASE WHEN state = 'rebuilding' THEN 'rebuilding' ELSE 'running' END) ELSE 'failed' END,
           error = $4, error_position = $5, updated_at = now()
       WHERE name = $1 AND version = $2`,
      [
        lane.key,
        this.projection.version,
        position.toString(),
        failure?.error ?? null,
        failure?.position.toString() ?? null,
      ],
    );
  }

  private async prepare(lane: Lane, state: 'running' | 'rebuilding' = 'running'): Promise<void> {
    await this.withTx(async (tx) => {
      // Replicas starting together must not race on CREATE TABLE IF NOT EXISTS.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lane.key]);
      await this.projection.setup(tx, lane.target);
      await tx.query(
        `INSERT INTO projection_checkpoints (name, version, state) VALUES ($1, $2, $3)
         ON CONFLICT (name, version) DO NOTHING`,
        [lane.key, this.projection.version, state],
      );
    });
  }

  private async withTx(work: (tx: PoolClient) => Promise<void>): Promise<void> {
    const tx = await this.pool.connect();
    try {
      await tx.query('BEGIN');
      await work(tx);
      await tx.query('COMMIT');
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      tx.release();
    }
  }
}
