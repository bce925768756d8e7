import type { WorkerConfig } from '@flotilla/config';
import { QUEUES, type QueueName } from '@flotilla/contracts';
import type { DeliveryEvent } from '@flotilla/domain';
import {
  counterOf,
  createMetricsRegistry,
  gaugeOf,
  histogramOf,
  METRICS,
  registerFleetGauges,
  serveMetrics,
  type MetricsServer,
  type ReadinessCheck,
  type Registry,
} from '@flotilla/metrics';
import { fleetMetricsSnapshot } from '@flotilla/projections';
import { DelayedError, RateLimitError, WaitingChildrenError, WaitingError } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';

/** The queue states exported as depths. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
type QueueState = (typeof QUEUE_STATES)[number];

/** How a job run ended on this worker. */
export type JobOutcome = 'completed' | 'failed' | 'deferred';

/** What a job's error means: deferral errors move the job on (delayed, waiting) without failing it. */
export function jobOutcomeOf(error: unknown): JobOutcome {
  return error instanceof DelayedError ||
    error instanceof WaitingChildrenError ||
    error instanceof WaitingError ||
    error instanceof RateLimitError
    ? 'deferred'
    : 'failed';
}

/** Reads how many jobs a queue holds in each state (BullMQ's `Queue.getJobCounts`). */
export type QueueCounts = (
  name: QueueName,
  states: readonly QueueState[],
) => Promise<Record<string, number>>;

/**
 * The worker's metrics, on a registry of its own: job runs and durations, queue depths read when
 * scraped, notification sends, drift recorded by push mode, and the read-model gauges.
 */
export class WorkerMetrics {
  readonly registry: Registry = createMetricsRegistry({ app: 'worker' });
  private readonly jobs = counterOf(this.registry, METRICS.jobs);
  private readonly jobDuration = histogramOf(this.registry, METRICS.jobDuration);
  private readonly notifications = counterOf(this.registry, METRICS.notificationsSent);
  private readonly drift = counterOf(this.registry, METRICS.driftReports);
  private queueCounts: QueueCounts | undefined;

  constructor(pool: Pool, logger: Logger) {
    gaugeOf(this.registry, METRICS.queueJobs, async (gauge) => {
      gauge.reset();
      const read = this.queueCounts;
      if (!read) return;
      await Promise.all(
        Object.values(QUEUES).map(async (queue) => {
          const counts = await read(queue, QUEUE_STATES);
          for (const state of QUEUE_STATES) gauge.set({ queue, state }, counts[state] ?? 0);
        }),
      );
    });
    registerFleetGauges(this.registry, () => fleetMetricsSnapshot(pool), {
      onError: (error) => logger.warn({ err: error.message }, 'metrics: read-model query failed'),
    });
  }

  /** Lets the queue depth gauge read the queues, once they exist. */
  readQueuesWith(counts: QueueCounts): void {
    this.queueCounts = counts;
  }

  /** One job run on this worker. */
  jobRan(queue: string, job: string, outcome: JobOutcome, seconds: number): void {
    this.jobs.inc({ queue, job, outcome });
    this.jobDuration.observe({ queue, job, outcome }, seconds);
  }

  /** One attempt to send a notification. */
  notificationSent(target: 'Webhook' | 'Slack', delivered: boolean): void {
    this.notifications.inc({ target, outcome: delivered ? 'delivered' : 'failed' });
  }

  /** Counts the drift among the events a push-mode status pass appended. */
  recordDrift(events: readonly DeliveryEvent[]): void {
    for (const event of events) {
      if (event.type !== 'ApplicationDriftDetected') continue;
      this.drift.inc({ corrected: String(event.data.corrected), reporter: 'push' });
    }
  }

  /** Serves `/metrics` on METRICS_HOST:METRICS_PORT; undefined when the port is 0 (off). */
  serve(
    config: Pick<WorkerConfig, 'METRICS_HOST' | 'METRICS_PORT'>,
    ready?: ReadinessCheck,
  ): Promise<MetricsServer | undefined> {
    if (config.METRICS_PORT === 0) return Promise.resolve(undefined);
    return serveMetrics(
      this.registry,
      { host: config.METRICS_HOST, port: config.METRICS_PORT },
      ready,
    );
  }
}
