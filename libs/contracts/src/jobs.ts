import { z } from 'zod';

/**
 * Background jobs: the BullMQ queues, the payload of every job (one discriminated union on
 * `type`; the BullMQ job name is the payload's `type`), the ids jobs are added with, and the
 * Redis shapes the worker leaves for the hub to read. Every id is derived from the job's input,
 * so a retried or duplicated trigger collapses into one job.
 *
 * BullMQ refuses `:` in custom job ids (except a legacy three-part form), so ids use `/`.
 */

/** The BullMQ queues, each with its own workers so one kind of work cannot starve another. */
export const QUEUES = {
  /** Fleet upkeep on a schedule: connectivity sweeps, probe rounds, secret re-sealing. */
  fleetUpkeep: 'fleet-upkeep',
  /** One job per kubeconfig cluster and round: network-bound, may wait on a slow API server. */
  clusterProbes: 'cluster-probes',
  /** Git mirror fetches asked for by push webhooks: network-bound, one job per repository push. */
  gitRefresh: 'git-refresh',
} as const;
/** A queue name. */
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The job schedulers (`Queue.upsertJobScheduler` ids), all on {@link QUEUES.fleetUpkeep}. */
export const JOB_SCHEDULERS = {
  connectivitySweep: 'connectivity-sweep',
  probeRounds: 'probe-rounds',
  secretsReseal: 'secrets-reseal',
} as const;

const slot = z.number().int().nonnegative().describe('Time slot: epoch ms / interval');

/** Marks clusters Stale and Offline from their last heartbeats (the clock is the worker's). */
export const connectivitySweepJob = z.object({ type: z.literal('connectivity-sweep') }).strict();

/** The probe scheduler's tick: starts one {@link probeRoundJob} for the current slot. */
export const planProbeRoundJob = z.object({ type: z.literal('plan-probe-round') }).strict();

/** A probe round: the parent of one {@link kubeconfigProbeJob} per live kubeconfig cluster. */
export const probeRoundJob = z
  .object({ type: z.literal('probe-round'), slot, clusters: z.number().int().nonnegative() })
  .strict();

/** Reads one kubeconfig cluster's facts through its sealed kubeconfig: its heartbeat. */
export const kubeconfigProbeJob = z
  .object({ type: z.literal('kubeconfig-probe'), clusterId: z.string().min(1).max(64), slot })
  .strict();

/** Re-seals stored secrets under `keyId` (the active key of the worker that asked). */
export const secretsResealJob = z
  .object({ type: z.literal('secrets-reseal'), keyId: z.string().min(1).max(32) })
  .strict();

/**
 * Fetches a repository's mirror after a push (the hub's `POST /api/webhooks/git`). `repoURL` is
 * one URL of the repository as the provider gave it (checked: https or ssh); the worker fetches
 * only repositories it already mirrors, so a webhook cannot make it clone something new.
 */
export const gitRefreshJob = z
  .object({ type: z.literal('git-refresh'), repoURL: z.string().min(1).max(2048) })
  .strict();

/** Every job payload. */
export const jobPayload = z.discriminatedUnion('type', [
  connectivitySweepJob,
  planProbeRoundJob,
  probeRoundJob,
  kubeconfigProbeJob,
  secretsResealJob,
  gitRefreshJob,
]);
/** A job payload; its `type` is the BullMQ job name. */
export type JobPayload = z.output<typeof jobPayload>;
/** A job type (BullMQ job name). */
export type JobType = JobPayload['type'];

/** The queue each job type runs on. */
export const JOB_QUEUE = {
  'connectivity-sweep': QUEUES.fleetUpkeep,
  'plan-probe-round': QUEUES.fleetUpkeep,
  'probe-round': QUEUES.fleetUpkeep,
  'kubeconfig-probe': QUEUES.clusterProbes,
  'secrets-reseal': QUEUES.fleetUpkeep,
  'git-refresh': QUEUES.gitRefresh,
} as const satisfies Record<JobType, QueueName>;

/** The payloads that run on queue `Q`, for typing `Queue<JobOn<Q>>` and `Worker<JobOn<Q>>`. */
export type JobOn<Q extends QueueName> = Extract<
  JobPayload,
  { type: { [T in JobType]: (typeof JOB_QUEUE)[T] extends Q ? T : never }[JobType] }
>;

/** The slot `at` falls in when time is cut into intervals of `seconds`. */
export function timeSlot(at: Date, seconds: number): number {
  return Math.floor(at.getTime() / (seconds * 1000));
}

/**
 * Job ids, derived from input. Jobs made by a scheduler get BullMQ's own id
 * (`repeat:<scheduler>:<epoch ms>`), which is derived from the schedule in the same way.
 */
export const jobIds = {
  /** A sweep asked for outside the schedule (start-up, tests, an operator). */
  connectivitySweep: (sweepSlot: number) => `sweep/${sweepSlot}`,
  /** A probe round asked for outside the schedule. */
  planProbeRound: (probeSlot: number) => `plan-probe-round/${probeSlot}`,
  probeRound: (probeSlot: number) => `probe-round/${probeSlot}`,
  kubeconfigProbe: (clusterId: string, probeSlot: number) => `probe/${clusterId}/${probeSlot}`,
  /** One re-seal per active key and day; a worker started with a new key gets its own. */
  secretsReseal: (keyId: string, day: number) => `secrets-reseal/${keyId}/${day}`,
  /**
   * One fetch per repository and pushed commit: `repoKey` is the SHA-256 (hex) of the normalized
   * URL (`repositoryKey` in libs/git), `after` the pushed commit, so a redelivered webhook (or
   * the same push seen through another hook) collapses into the job already there.
   */
  gitRefresh: (repoKey: string, after: string) => `git-refresh/${repoKey}/${after}`,
} as const;

/** Why a kubeconfig probe failed: a closed set, for the API to show as a condition. */
export const probeFailureReasons = [
  /** No sealed kubeconfig is stored for the cluster. */
  'KubeconfigMissing',
  /** The sealed kubeconfig cannot be opened with the configured keys (key removed or tampered). */
  'KubeconfigUnreadable',
  /** The kubeconfig opened but is not a usable kubeconfig. */
  'KubeconfigInvalid',
  /** The API server did not answer, refused, or answered with an error. */
  'ClusterUnreachable',
] as const;
/** A kubeconfig probe failure reason. */
export type ProbeFailureReason = (typeof probeFailureReasons)[number];

/**
 * The last failed probe of a kubeconfig cluster, as the worker keeps it in the Redis hash
 * {@link probeErrorKey} (field: cluster id, value: this shape as JSON). A successful probe
 * deletes the field; so does nothing else, so a deregistered cluster's entry may linger.
 */
export const probeError = z
  .object({
    reason: z.enum(probeFailureReasons),
    message: z.string().max(1024),
    /** ISO instant of the failed probe. */
    at: z.iso.datetime(),
  })
  .strict();
/** The last failed probe of a kubeconfig cluster. */
export type ProbeError = z.output<typeof probeError>;

/** The Redis hash of probe errors, per database (`identity` from `databaseIdentity`). */
export function probeErrorKey(identity: string): string {
  return `flotilla:${identity}:probe-error`;
}

/** The BullMQ key prefix of a database's queues (`identity` from `databaseIdentity`). */
export function queuePrefix(identity: string): string {
  return `flotilla:${identity}:bull`;
}
