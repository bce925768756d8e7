import { jobIds, QUEUES, type JobOn } from '@flotilla/contracts';
import type { Queryable } from '@flotilla/event-store';
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';

type GenerationJob = Extract<JobOn<typeof QUEUES.appsetGeneration>, { type: 'generate-appset' }>;

/** What the requests need of the worker's queues (bound late: the queues need the handlers). */
export interface GenerationQueue {
  add(payload: GenerationJob, jobId: string, opts?: JobsOptions): Promise<Job<GenerationJob>>;
  queue(name: typeof QUEUES.appsetGeneration): Pick<Queue, 'getJob' | 'getJobState'>;
}

/** Retries of a generation that failed (Postgres away, projections late); the resync re-queues after. */
export const GENERATION_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
};

/** How long a triggered generation waits for more triggers of the same burst. */
export const TRIGGER_COALESCE_MS = 250;

/** Job states in which a job will still run (or is running). */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** One ApplicationSet's request numbers. */
export interface RequestRow {
  requested: number;
  generated: number;
  inFlight: string | null;
}

/**
 * The durable side of generation triggers (`appset_generation_requests`): every trigger bumps a
 * request number in Postgres and queues `generate/<id>/<number>`; a generation that started at
 * request R marks R generated when its writes are done. Redis may lose the jobs; the numbers
 * stay, and {@link dispatch} re-queues what is still owed.
 */
export class GenerationRequests {
  constructor(
    private readonly pool: Pool,
    private readonly jobs: () => GenerationQueue,
    private readonly logger: Logger,
  ) {}

  /**
   * Bumps the request number of each ApplicationSet, inside the caller's transaction when
   * `client` is one (the trigger projection: exactly once with its checkpoint).
   */
  async bump(
    client: Queryable,
    applicationSetIds: Iterable<string>,
    reason: string,
  ): Promise<{ applicationSetId: string; requested: number }[]> {
    const ids = [...new Set(applicationSetIds)].sort();
    if (ids.length === 0) return [];
    const { rows } = await client.query<{ application_set_id: string; requested: string }>(
      `INSERT INTO appset_generation_requests AS r (application_set_id, requested, reason, updated_at)
       SELECT id, 1, $2, now() FROM unnest($1::uuid[]) AS id
       ON CONFLICT (application_set_id) DO UPDATE
         SET requested = r.requested + 1, reason = EXCLUDED.reason, updated_at = now()
       RETURNING application_set_id, requested`,
      [ids, reason],
    );
    return rows.map((r) => ({
      applicationSetId: r.application_set_id,
      requested: Number(r.requested),
    }));
  }

  /**
   * Queues one generation job per request (a duplicate id is a no-op in BullMQ). `delayMs`
   * lets a burst of triggers (a hundred clusters relabelled one by one) gather into one run:
   * the first job answers every request made before it starts, the later ones find nothing to do.
   */
  async enqueue(requests: readonly { applicationSetId: string; requested: number }[], delayMs = 0) {
    const options =
      delayMs > 0 ? { ...GENERATION_JOB_OPTIONS, delay: delayMs } : GENERATION_JOB_OPTIONS;
    await Promise.all(
      requests.map(({ applicationSetId, requested }) =>
        this.jobs().add(
          { type: 'generate-appset', applicationSetId, requested },
          jobIds.generateAppset(applicationSetId, requested),
          options,
        ),
      ),
    );
  }

  /** Bumps and queues outside any transaction (Git pushes, resync ticks). */
  async request(applicationSetIds: Iterable<string>, reason: string): Promise<number> {
    const bumped = await this.bump(this.pool, applicationSetIds, reason);
    await this.enqueue(bumped);
    return bumped.length;
  }

  /** The row of an ApplicationSet, if any. */
  async read(applicationSetId: string): Promise<RequestRow | undefined> {
    const { rows } = await this.pool.query<{
      requested: string;
      generated: string;
      in_flight: string | null;
    }>(
      `SELECT requested, generated, in_flight FROM appset_generation_requests
        WHERE application_set_id = $1`,
      [applicationSetId],
    );
    const row = rows[0];
    return row
      ? {
          requested: Number(row.requested),
          generated: Number(row.generated),
          inFlight: row.in_flight,
        }
      : undefined;
  }

  /**
   * Takes the ApplicationSet's generation for `holder` (a job id on the generation queue): free,
   * already ours, or held by a job that will never finish (gone with Redis, completed or failed
   * without releasing). Answers the row, or null when a live job holds it.
   */
  async acquire(
    applicationSetId: string,
    holder: string,
    requested: number,
  ): Promise<RequestRow | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await this.pool.query<{ requested: string; generated: string }>(
        // The job's number may be ahead of the row (its trigger's bump not committed yet, or
        // rolled back and retried): the row never falls behind a number a run answers.
        `INSERT INTO appset_generation_requests AS r
           (application_set_id, requested, in_flight, reason, updated_at)
         VALUES ($1, $3, $2, 'job', now())
         ON CONFLICT (application_set_id) DO UPDATE
           SET in_flight = $2, requested = GREATEST(r.requested, $3), updated_at = now()
           WHERE r.in_flight IS NULL OR r.in_flight = $2
         RETURNING requested, generated`,
        [applicationSetId, holder, requested],
      );
      const row = rows[0];
      if (row)
        return {
          requested: Number(row.requested),
          generated: Number(row.generated),
          inFlight: holder,
        };
      const current = await this.read(applicationSetId);
      if (!current?.inFlight) continue;
      if (await this.holderAlive(current.inFlight)) return null;
      this.logger.warn(
        { applicationSetId, holder: current.inFlight },
        'generation holder is gone; taking over',
      );
      await this.pool.query(
        `UPDATE appset_generation_requests SET in_flight = NULL
          WHERE application_set_id = $1 AND in_flight = $2`,
        [applicationSetId, current.inFlight],
      );
    }
    return null;
  }

  /** Hands the ApplicationSet from one holder to another (a generation to its flow's parent). */
  async handOver(applicationSetId: string, from: string, to: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE appset_generation_requests SET in_flight = $3, updated_at = now()
        WHERE application_set_id = $1 AND in_flight = $2`,
      [applicationSetId, from, to],
    );
    return rowCount === 1;
  }

  /** Releases the ApplicationSet without marking anything generated (a run that gave up). */
  async release(applicationSetId: string, holder: string): Promise<void> {
    await this.pool.query(
      `UPDATE appset_generation_requests SET in_flight = NULL
        WHERE application_set_id = $1 AND in_flight = $2`,
      [applicationSetId, holder],
    );
  }

  /**
   * Marks request `requested` generated and releases the ApplicationSet; queues the next
   * generation when triggers arrived since the run started. `again` asks for one more run
   * regardless (a write found the plan stale).
   */
  async finish(
    applicationSetId: string,
    holder: string,
    requested: number,
    again = false,
  ): Promise<void> {
    const { rows } = await this.pool.query<{ requested: string }>(
      `UPDATE appset_generation_requests
          SET generated = GREATEST(generated, $2),
              requested = GREATEST(requested, $2) + CASE WHEN $4 THEN 1 ELSE 0 END,
              in_flight = CASE WHEN in_flight = $3 THEN NULL ELSE in_flight END,
              updated_at = now()
        WHERE application_set_id = $1
        RETURNING requested`,
      [applicationSetId, requested, holder, again],
    );
    const now = Number(rows[0]?.requested ?? 0);
    if (now > requested) await this.requeue(applicationSetId, now);
  }

  /**
   * Re-queues every request still owed (Redis flushed, a job that failed all its attempts):
   * at worker start and on every resync tick. A job that still exists and will run is left
   * alone; one that finished without generating is replaced by a new request number.
   */
  async dispatch(): Promise<number> {
    const { rows } = await this.pool.query<{
      application_set_id: string;
      requested: string;
      in_flight: string | null;
    }>(
      `SELECT application_set_id, requested, in_flight FROM appset_generation_requests
        WHERE requested > generated ORDER BY application_set_id`,
    );
    let queued = 0;
    for (const row of rows) {
      // A run in progress re-queues what arrived since when it finishes.
      if (row.in_flight && (await this.holderAlive(row.in_flight))) continue;
      if (await this.requeue(row.application_set_id, Number(row.requested))) queued++;
    }
    if (queued > 0) this.logger.info({ queued }, 'generation requests re-queued');
    return queued;
  }

  /** Makes sure request `requested` has a job that will run; true when it had to add one. */
  private async requeue(applicationSetId: string, requested: number): Promise<boolean> {
    const queue = this.jobs().queue(QUEUES.appsetGeneration);
    const jobId = jobIds.generateAppset(applicationSetId, requested);
    const state = await queue.getJobState(jobId);
    if (state === 'delayed') {
      // Waiting for the holder this run just released: run it now.
      await (await queue.getJob(jobId))?.promote().catch(() => undefined);
      return false;
    }
    if (LIVE_STATES.has(state)) return false;
    if (state === 'unknown') {
      await this.enqueue([{ applicationSetId, requested }]);
      return true;
    }
    // Finished (or failed) without generating: a new number gets a new job.
    const [bumped] = await this.bump(this.pool, [applicationSetId], 'redispatch');
    if (bumped) await this.enqueue([bumped]);
    return true;
  }

  private async holderAlive(holder: string): Promise<boolean> {
    const state = await this.jobs().queue(QUEUES.appsetGeneration).getJobState(holder);
    return LIVE_STATES.has(state);
  }
}
