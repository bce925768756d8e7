import type { WorkerConfig } from '@flotilla/config';
import { JOB_SCHEDULERS, jobIds, QUEUES, type JobOn, type JobPayload } from '@flotilla/contracts';
import {
  NOTIFICATION_HEADERS,
  NOTIFICATION_RULES_TABLE,
  NotificationSecretStore,
  sendNotification,
  signNotification,
  slackBody,
  webhookBody,
  type NotificationContent,
  type NotificationSubject,
} from '@flotilla/notifications';
import type { SecretBox } from '@flotilla/secrets';
import { DelayedError, UnrecoverableError, type Job, type JobsOptions, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { JobHandlers, JobSchedule } from '../fleet/fleet-jobs';

type NotifyJob = Job<Extract<JobOn<typeof QUEUES.notifications>, { type: 'notify' }>>;

export interface NotificationJobsDeps {
  config: WorkerConfig;
  pool: Pool;
  box: SecretBox;
  logger: Logger;
  now: () => Date;
  add: (payload: JobPayload, jobId: string, opts?: JobsOptions) => Promise<unknown>;
  queue: () => Pick<Queue, 'getJob' | 'getJobState'>;
  /** Told of every send attempt (metrics). */
  onSent?: (target: 'Webhook' | 'Slack', delivered: boolean) => void;
}

/** How often Pending deliveries whose job Redis lost are queued again. */
export const NOTIFY_SWEEP_MS = 30_000;
/** A Pending delivery younger than this is left to the job its dispatcher queued. */
const SWEEP_GRACE_SECONDS = 10;
/** How long a job waits for its delivery row before it concludes the row will never come. */
const MISSING_ROW_PATIENCE_MS = 60_000;
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** The job options of a delivery: NOTIFY_MAX_ATTEMPTS attempts, exponential backoff. */
export function notifyJobOptions(config: WorkerConfig): JobsOptions {
  return {
    attempts: config.NOTIFY_MAX_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.NOTIFY_BACKOFF_SECONDS * 1000 },
  };
}

/** The sweep's scheduler. */
export function notificationSchedules(): JobSchedule[] {
  return [
    { id: JOB_SCHEDULERS.notifySweep, everyMs: NOTIFY_SWEEP_MS, payload: { type: 'notify-sweep' } },
  ];
}

/** Queues the sending of deliveries the dispatcher recorded (a duplicate id is a no-op). */
export function enqueueDeliveries(deps: Pick<NotificationJobsDeps, 'config' | 'add'>) {
  const options = notifyJobOptions(deps.config);
  return async (ids: readonly string[]): Promise<void> => {
    await Promise.all(
      ids.map((deliveryId) =>
        deps.add({ type: 'notify', deliveryId }, jobIds.notify(deliveryId), options),
      ),
    );
  };
}

/**
 * How many deliveries to each rule's endpoint this worker has in flight: a slow or hanging
 * endpoint holds at most NOTIFY_ENDPOINT_CONCURRENCY of the queue's slots; its other deliveries
 * wait (delayed, not counted as attempts) while every other endpoint's go ahead.
 */
class EndpointGate {
  private readonly inFlight = new Map<string, number>();
  constructor(private readonly limit: number) {}
  enter(ruleId: string): boolean {
    const n = this.inFlight.get(ruleId) ?? 0;
    if (n >= this.limit) return false;
    this.inFlight.set(ruleId, n + 1);
    return true;
  }
  leave(ruleId: string): void {
    const n = (this.inFlight.get(ruleId) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(ruleId);
    else this.inFlight.set(ruleId, n);
  }
}

interface DeliveryRow {
  id: string;
  rule_id: string;
  tenant: string;
  state: string;
  subject: NotificationSubject;
  rule_name: string | null;
  rule_deleted: boolean | null;
  target_kind: 'Webhook' | 'Slack';
  event_id: string;
  event_type: string;
  stream_id: string;
  global_position: string;
  data: unknown;
  actor: string | null;
  recorded_at: Date;
}

/** The `notify` and `notify-sweep` processors. */
export function notificationJobHandlers(
  deps: NotificationJobsDeps,
): Pick<JobHandlers, 'notify' | 'notify-sweep'> {
  const secrets = new NotificationSecretStore(deps.pool, deps.box);
  const gate = new EndpointGate(deps.config.NOTIFY_ENDPOINT_CONCURRENCY);
  const enqueue = enqueueDeliveries(deps);

  const notify = async (job: NotifyJob, token?: string) => {
    const { rows } = await deps.pool.query<DeliveryRow>(
      `SELECT d.id, d.rule_id, d.tenant, d.state, d.subject, r.name AS rule_name,
              r.deleted AS rule_deleted, r.target_kind, e.event_id, e.type AS event_type,
              e.stream_id, e.global_position, e.data, e.actor, e.recorded_at
         FROM notification_deliveries d
         JOIN events e ON e.global_position = d.global_position
         LEFT JOIN ${NOTIFICATION_RULES_TABLE} r ON r.id = d.rule_id
        WHERE d.id = $1`,
      [job.data.deliveryId],
    );
    const row = rows[0];
    if (!row) {
      // The dispatcher queues before its batch commits: wait for the row, without spending an
      // attempt. A batch that rolled back is retried with the same ids, so an old job whose row
      // never came has nothing left to do.
      if (Date.now() - job.timestamp > MISSING_ROW_PATIENCE_MS) return { outcome: 'missing' };
      await job.moveToDelayed(Date.now() + 250, token);
      throw new DelayedError();
    }
    if (row.state !== 'Pending') return { outcome: 'already', state: row.state };
    // Deleting a rule removes its sealed endpoint in the same transaction as the event.
    const sealed = row.rule_name && !row.rule_deleted ? await secrets.get(row.rule_id) : null;
    if (!row.rule_name || !sealed) {
      await record(deps.pool, row.id, {
        state: 'Failed',
        status: null,
        error: 'the rule was deleted before this was sent',
        attempted: false,
      });
      return { outcome: 'dropped' };
    }
    if (!gate.enter(row.rule_id)) {
      await job.moveToDelayed(Date.now() + 200 + Math.floor(Math.random() * 300), token);
      throw new DelayedError();
    }
    let outcome;
    try {
      const content: NotificationContent = {
        deliveryId: row.id,
        rule: { id: row.rule_id, name: row.rule_name },
        tenant: row.tenant,
        event: {
          id: row.event_id,
          type: row.event_type,
          stream: row.stream_id,
          position: String(row.global_position),
          recordedAt: row.recorded_at.toISOString(),
          actor: row.actor ?? 'unknown',
          data: row.data,
        },
        subject: row.subject,
      };
      const body = row.target_kind === 'Slack' ? slackBody(content) : webhookBody(content);
      const timestamp = Math.floor(deps.now().getTime() / 1000);
      const headers: Record<string, string> = {
        [NOTIFICATION_HEADERS.delivery]: row.id,
        [NOTIFICATION_HEADERS.event]: row.event_type,
        [NOTIFICATION_HEADERS.timestamp]: String(timestamp),
      };
      headers[NOTIFICATION_HEADERS.signature] = signNotification(sealed.secret, timestamp, body);
      outcome = await sendNotification(sealed.url, body, headers, {
        timeoutMs: deps.config.NOTIFY_TIMEOUT_SECONDS * 1000,
        allowPrivateNetworks: deps.config.NOTIFY_ALLOW_PRIVATE_NETWORKS,
      });
    } finally {
      gate.leave(row.rule_id);
    }
    deps.onSent?.(row.target_kind, outcome.ok);
    const attempt = job.attemptsMade + 1;
    const last = !outcome.retry || attempt >= (job.opts.attempts ?? 1);
    await record(deps.pool, row.id, {
      state: outcome.ok ? 'Delivered' : last ? 'Failed' : 'Pending',
      status: outcome.status,
      error: outcome.error,
      attempted: true,
    });
    if (outcome.ok) return { outcome: 'delivered', status: outcome.status };
    if (!outcome.retry) throw new UnrecoverableError(outcome.error ?? 'refused');
    throw new Error(outcome.error ?? 'failed');
  };

  const sweep = async () => {
    const { rows } = await deps.pool.query<{ id: string }>(
      `SELECT id FROM notification_deliveries
        WHERE state = 'Pending' AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT 5000`,
      [SWEEP_GRACE_SECONDS],
    );
    const lost: string[] = [];
    for (const { id } of rows) {
      const jobId = jobIds.notify(id);
      const state = await deps.queue().getJobState(jobId);
      if (LIVE_STATES.has(state)) continue;
      // Finished in BullMQ but still Pending here (its end was not recorded): run it again.
      if (state !== 'unknown') await (await deps.queue().getJob(jobId))?.remove();
      lost.push(id);
    }
    if (lost.length > 0) {
      deps.logger.warn({ count: lost.length }, 'notifications whose job was lost are queued again');
      await enqueue(lost);
    }
    return { requeued: lost.length };
  };

  return { notify, 'notify-sweep': sweep };
}

async function record(
  pool: Pool,
  id: string,
  result: {
    state: 'Delivered' | 'Failed' | 'Pending';
    status: number | null;
    error: string | null;
    attempted: boolean;
  },
): Promise<void> {
  await pool.query(
    `UPDATE notification_deliveries
        SET attempts = attempts + $5::int, state = $2, last_status = $3, last_error = $4,
            last_attempt_at = CASE WHEN $5::int = 1 THEN now() ELSE last_attempt_at END,
            delivered_at = CASE WHEN $2 = 'Delivered' THEN now() ELSE delivered_at END
      WHERE id = $1 AND state = 'Pending'`,
    [id, result.state, result.status, result.error, result.attempted ? 1 : 0],
  );
}
