import { queueTelemetry } from '@flotilla/tracing';
import {
  JOB_QUEUE,
  jobPayload,
  QUEUES,
  type JobOn,
  type JobPayload,
  type JobType,
  type QueueName,
} from '@flotilla/contracts';
import {
  FlowProducer,
  Queue,
  UnrecoverableError,
  Worker,
  type FlowJob,
  type Job,
  type JobsOptions,
} from 'bullmq';
import { isConnectionError, type OutageLog } from '@flotilla/database';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { secondsSince } from '@flotilla/metrics';
import { jobOutcomeOf, type JobOutcome, type WorkerMetrics } from '../worker-metrics';

/**
 * The processor of each job type: a missing type fails to compile. `token` is the lock token a
 * processor needs to move its own job (e.g. back to delayed while another job holds a resource).
 */
export type JobHandlers = {
  [T in JobType]: (job: Job<Extract<JobPayload, { type: T }>>, token?: string) => Promise<unknown>;
};

/** A job scheduler: BullMQ adds `payload` every `everyMs`, once for all workers together. */
export interface JobSchedule {
  id: string;
  everyMs: number;
  payload: JobOn<typeof QUEUES.fleetUpkeep>;
}

export interface FleetJobsOptions {
  redis: Redis;
  /** BullMQ key prefix: unique per database (`queuePrefix`). */
  prefix: string;
  /** Shows as `processedBy` on the jobs this worker ran. */
  name: string;
  concurrency: number;
  /** Queues that run more (or fewer) jobs at once than `concurrency`. */
  queueConcurrency?: Partial<Record<QueueName, number>>;
  /**
   * How long a job stays locked to this worker without renewal: a worker that dies (SIGKILL,
   * lost node) has its active jobs taken over by another after about this long.
   */
  lockDurationMs?: number;
  logger: Logger;
  handlers: JobHandlers;
  schedules: readonly JobSchedule[];
  /** How often to check that the schedulers still exist (Redis may have been flushed). */
  schedulerCheckMs: number;
  /** Told of every job run: queue, name, outcome and how long it took. */
  metrics?: Pick<WorkerMetrics, 'jobRan'>;
  /** Where Redis connection failures go (rate-limited); default: logged as queue errors. */
  redisOutage?: OutageLog;
}

// Completed jobs stay a while (their results are worth reading), failed ones longer.
const DEFAULT_JOB_OPTIONS: JobsOptions = {
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 86_400, count: 1000 },
};

type AnyQueue = Queue<JobPayload, unknown, JobType>;

/**
 * The worker's BullMQ side: one queue and one BullMQ worker per queue name, the flow producer for
 * fan-out, and the job schedulers. Schedulers are upserted at start and re-created when a periodic
 * check finds one gone: Redis holds nothing that cannot be lost (DESIGN.md), the schedules included.
 */
export class FleetJobs {
  private readonly queues: Record<QueueName, AnyQueue>;
  private readonly flows: FlowProducer;
  private readonly workers: Worker<JobPayload, unknown, JobType>[] = [];
  private checkTimer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();
  private readonly closing: (() => Promise<void>)[] = [];
  private readonly closed: (() => Promise<void>)[] = [];
  private readonly telemetry: ReturnType<typeof queueTelemetry>;
  /** Jobs this process is running now (`name:id`), for shutdown logs. */
  private readonly active = new Set<string>();

  constructor(private readonly options: FleetJobsOptions) {
    // With traces on, a job carries the trace it was added in, and its processing continues it.
    const telemetry = queueTelemetry();
    const base = {
      connection: options.redis,
      prefix: options.prefix,
      ...(telemetry ? { telemetry } : {}),
    };
    this.telemetry = telemetry;
    const queue = (name: QueueName): AnyQueue =>
      new Queue<JobPayload, unknown, JobType>(name, {
        ...base,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
    this.queues = {
      [QUEUES.fleetUpkeep]: queue(QUEUES.fleetUpkeep),
      [QUEUES.clusterProbes]: queue(QUEUES.clusterProbes),
      [QUEUES.gitRefresh]: queue(QUEUES.gitRefresh),
      [QUEUES.appsetGeneration]: queue(QUEUES.appsetGeneration),
      [QUEUES.delivery]: queue(QUEUES.delivery),
      [QUEUES.clusterPush]: queue(QUEUES.clusterPush),
      [QUEUES.notifications]: queue(QUEUES.notifications),
      [QUEUES.rollouts]: queue(QUEUES.rollouts),
    };
    this.flows = new FlowProducer(base);
    this.flows.on('error', (error) => this.reportError('flow producer', error));
    for (const q of Object.values(this.queues)) {
      q.on('error', (error) => this.reportError(`queue ${q.name}`, error));
    }
  }

  /** Upserts the schedulers, then starts processing every queue. */
  async start(): Promise<void> {
    for (const schedule of this.options.schedules) await this.upsert(schedule);
    for (const name of Object.values(QUEUES)) {
      const worker = new Worker<JobPayload, unknown, JobType>(
        name,
        (job, token) => this.process(job, token),
        {
          connection: this.options.redis,
          prefix: this.options.prefix,
          name: this.options.name,
          ...(this.telemetry ? { telemetry: this.telemetry } : {}),
          concurrency: this.options.queueConcurrency?.[name] ?? this.options.concurrency,
          ...(this.options.lockDurationMs
            ? {
                lockDuration: this.options.lockDurationMs,
                stalledInterval: this.options.lockDurationMs,
              }
            : {}),
        },
      );
      worker.on('error', (error) => this.reportError(`worker ${name}`, error));
      worker.on('failed', (job, error) =>
        this.options.logger.warn(
          { queue: name, job: job?.name, jobId: job?.id, err: error.message },
          'job failed',
        ),
      );
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.checkTimer = setInterval(() => {
      this.checking = this.checking.then(() => this.ensureSchedules());
    }, this.options.schedulerCheckMs);
    this.checkTimer.unref();
  }

  /** The jobs this process is running now, as `name:id`. */
  activeJobs(): string[] {
    return [...this.active];
  }

  /** Runs `fn` first when the jobs close (triggers that add jobs stop before the queues). */
  onClose(fn: () => Promise<void>): void {
    this.closing.push(fn);
  }

  /**
   * Runs `fn` last, once every active job has finished: for what the handlers use (a job still
   * running must never find its connection closed under it, or wait forever on an ended pool).
   */
  afterClose(fn: () => Promise<void>): void {
    this.closed.push(fn);
  }

  /** Adds a job with an id derived from its input (see `jobIds`); a duplicate id is a no-op. */
  add<P extends JobPayload>(payload: P, jobId: string, opts: JobsOptions = {}): Promise<Job<P>> {
    const queue = this.queues[JOB_QUEUE[payload.type]];
    return queue.add(payload.type, payload, { ...opts, jobId }) as Promise<Job<P>>;
  }

  /** Adds a parent job and its children in one step (completion of the whole is observable). */
  addFlow(flow: FlowJob): ReturnType<FlowProducer['add']> {
    return this.flows.add(flow, {
      queuesOptions: Object.fromEntries(
        Object.values(QUEUES).map((q) => [q, { defaultJobOptions: DEFAULT_JOB_OPTIONS }]),
      ),
    });
  }

  /** The queue a job type runs on (tests and tools read job state through it). */
  queue(name: QueueName): AnyQueue {
    return this.queues[name];
  }

  /** Re-creates any scheduler that is gone (after a Redis flush or failover). */
  async ensureSchedules(): Promise<void> {
    for (const schedule of this.options.schedules) {
      try {
        const existing = await this.queues[QUEUES.fleetUpkeep].getJobScheduler(schedule.id);
        if (existing) continue;
        this.options.logger.warn(
          { scheduler: schedule.id },
          'job scheduler missing (Redis lost?); re-creating it',
        );
        await this.upsert(schedule);
      } catch (error) {
        this.reportError(`scheduler ${schedule.id}`, error as Error);
      }
    }
  }

  /**
   * Stops taking jobs and waits for the running ones to finish, then closes the queues. The
   * shared Redis connection stays open (its owner closes it).
   */
  async close(): Promise<void> {
    for (const fn of this.closing) await fn();
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = null;
    await this.checking;
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...Object.values(this.queues).map((q) => q.close()), this.flows.close()]);
    for (const fn of this.closed) await fn();
  }

  private upsert(schedule: JobSchedule): Promise<unknown> {
    return this.queues[QUEUES.fleetUpkeep].upsertJobScheduler(
      schedule.id as JobType,
      { every: schedule.everyMs },
      { name: schedule.payload.type, data: schedule.payload, opts: DEFAULT_JOB_OPTIONS },
    );
  }

  /** Runs a job's handler, timing it for the metrics. */
  private async process(
    job: Job<JobPayload, unknown, JobType>,
    token: string | undefined,
  ): Promise<unknown> {
    const start = performance.now();
    const ran = (outcome: JobOutcome) =>
      this.options.metrics?.jobRan(job.queueName, job.name, outcome, secondsSince(start));
    try {
      const result = await this.handle(job, token);
      ran('completed');
      return result;
    } catch (error) {
      ran(jobOutcomeOf(error));
      throw error;
    }
  }

  private async handle(
    job: Job<JobPayload, unknown, JobType>,
    token: string | undefined,
  ): Promise<unknown> {
    const parsed = jobPayload.safeParse(job.data);
    // A payload this version cannot read will not become readable by retrying.
    if (!parsed.success || parsed.data.type !== job.name) {
      throw new UnrecoverableError(
        `job ${job.name} (${job.id}) has a payload this worker cannot read: ${parsed.error?.message ?? `type ${String(parsed.data?.type)}`}`,
      );
    }
    const handler = this.options.handlers[parsed.data.type] as (
      job: Job,
      token?: string,
    ) => Promise<unknown>;
    const key = `${job.name}:${job.id ?? '?'}`;
    this.active.add(key);
    try {
      return await handler(job, token);
    } finally {
      this.active.delete(key);
    }
  }

  private reportError(source: string, error: Error): void {
    // Redis down: every queue and worker says so on every reconnect; one line says it for all.
    if (this.options.redisOutage && isConnectionError(error)) {
      this.options.redisOutage.failed(error);
      return;
    }
    this.options.logger.error({ source, err: error.message }, 'job queue error');
  }
}
