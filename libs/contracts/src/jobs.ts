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
  /** ApplicationSet generation: one run per ApplicationSet at a time, large plans in chunks. */
  appsetGeneration: 'appset-generation',
  /** Delivery: rendering Application sources into bundles. */
  delivery: 'delivery',
  /** Push mode: one job per kubeconfig cluster applying (or assessing) its desired state. */
  clusterPush: 'cluster-push',
  /** Notifications: one job per delivery, network-bound, each attempt bounded by a timeout. */
  notifications: 'notifications',
  /** Rollouts: one tick per ApplicationSet at a time (an advisory lock), timers as delayed ticks. */
  rollouts: 'rollouts',
} as const;
/** A queue name. */
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The job schedulers (`Queue.upsertJobScheduler` ids), all on {@link QUEUES.fleetUpkeep}. */
export const JOB_SCHEDULERS = {
  connectivitySweep: 'connectivity-sweep',
  probeRounds: 'probe-rounds',
  secretsReseal: 'secrets-reseal',
  appsetResync: 'appset-resync',
  renderResync: 'render-resync',
  pushResync: 'push-resync',
  notifySweep: 'notify-sweep',
  rolloutSweep: 'rollout-sweep',
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

const uuid = z.uuid();
/** A generation request number (`appset_generation_requests.requested`). */
const requestNumber = z.number().int().nonnegative();
/** A plan's key: a short SHA-256 of its operations, so a replanned identical plan collapses. */
const planKey = z.string().regex(/^[0-9a-f]{16,64}$/);
const count = z.number().int().nonnegative();

/**
 * Generates an ApplicationSet (its stream and the fleet as the read models show it) and writes
 * the differences. `requested`: the request number the trigger got; a job whose number is already
 * generated returns at once, so a burst of triggers costs one generation.
 */
export const generateAppsetJob = z
  .object({ type: z.literal('generate-appset'), applicationSetId: uuid, requested: requestNumber })
  .strict();

const applicationMetadata = z
  .object({
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    finalizers: z.array(z.string()),
  })
  .strict();
/** An Application as a generation wants it (the domain's `DesiredApplication`). */
const desiredApplication = z
  .object({
    name: z.string().min(1),
    clusterId: z.string().min(1),
    namespace: z.string(),
    project: z.string(),
    spec: z.record(z.string(), z.json()),
    metadata: applicationMetadata,
    digest: z.string(),
  })
  .strict();
/**
 * One Application write. `expectedVersion` is the Application stream's version when the plan was
 * made (0: no stream), so the event id derived from it is the same on every retry.
 */
export const applicationWrite = z.discriminatedUnion('op', [
  z
    .object({ op: z.literal('create'), expectedVersion: z.literal(0), app: desiredApplication })
    .strict(),
  z
    .object({
      op: z.literal('update'),
      id: uuid,
      expectedVersion: z.number().int().positive(),
      previousDigest: z.string(),
      app: desiredApplication,
    })
    .strict(),
  z
    .object({
      op: z.literal('delete'),
      id: uuid,
      name: z.string().min(1),
      expectedVersion: z.number().int().positive(),
      preserveResources: z.boolean(),
      reason: z.enum(['Pruned', 'ApplicationSetDeleted']),
    })
    .strict(),
]);
/** One Application write of a generation plan. */
export type ApplicationWrite = z.output<typeof applicationWrite>;

/** A chunk of a large plan's Application writes: a child of {@link finishGenerationJob}. */
export const writeApplicationsJob = z
  .object({
    type: z.literal('write-applications'),
    applicationSetId: uuid,
    tenant: z.string().min(1),
    planKey,
    chunk: z.number().int().nonnegative(),
    writes: z.array(applicationWrite).min(1),
  })
  .strict();

/**
 * What a generation records once its writes are done (`ApplicationSetGenerated`, and the
 * deletions held by the brake), as the parent of the chunk jobs carries it.
 */
export const generationRecord = z
  .object({
    manifestVersion: z.number().int().positive(),
    created: count,
    updated: count,
    deleted: count,
    unchanged: count,
    skipped: count,
    violations: z.array(
      z
        .object({
          application: z.string(),
          cluster: z.string(),
          rule: z.enum(['source', 'destination', 'clusterResource', 'namespacedResource']),
          reason: z.string(),
        })
        .strict(),
    ),
    validationErrors: z.array(z.object({ application: z.string(), message: z.string() }).strict()),
    heldDeletions: count.optional(),
  })
  .strict();

/**
 * The parent of a large plan's chunks: runs once every chunk is written; records the generation
 * on the ApplicationSet, marks request `requested` generated and releases the ApplicationSet.
 * `record` is null for a deleted ApplicationSet (nothing to record on it).
 */
export const finishGenerationJob = z
  .object({
    type: z.literal('finish-generation'),
    applicationSetId: uuid,
    planKey,
    requested: requestNumber,
    chunks: z.number().int().positive(),
    record: generationRecord.nullable(),
    held: z
      .object({ deletions: z.array(z.string()).min(1), currentCount: count, threshold: count })
      .strict()
      .nullable(),
  })
  .strict();

/**
 * The resync tick: fetches the Git mirrors live ApplicationSets read, requests a generation of
 * every live ApplicationSet, and re-queues requests Redis lost.
 */
export const appsetResyncJob = z.object({ type: z.literal('appset-resync') }).strict();

/**
 * Renders Applications into bundles: those whose spec is not rendered yet (no field), every
 * Application of one repository after a push (`repoURL`), or every Application (`all`: the
 * periodic resync re-resolves every revision).
 */
export const renderJob = z
  .object({
    type: z.literal('render'),
    repoURL: z.string().min(1).max(2048).optional(),
    all: z.boolean().optional(),
  })
  .strict();

/** The render resync tick (every RENDER_RESYNC_SECONDS): queues a `render` of everything. */
export const renderResyncJob = z.object({ type: z.literal('render-resync') }).strict();

/**
 * Push mode for a kubeconfig cluster: loads its desired state and applies it (`apply`, after its
 * revision changed) or assesses it for drift (`assess`, every PUSH_RESYNC_SECONDS). `revision` is
 * the desired revision that asked for the job (the pass applies whatever is desired when it runs).
 */
export const pushClusterJob = z
  .object({
    type: z.literal('push-cluster'),
    clusterId: z.string().min(1).max(64),
    revision: z.string().min(1).max(128),
    mode: z.enum(['apply', 'assess']),
  })
  .strict();

/**
 * The push resync tick: queues a drift pass of every kubeconfig cluster, and the apply of any
 * revision Redis lost.
 */
export const pushResyncJob = z.object({ type: z.literal('push-resync') }).strict();

/** Sends one notification delivery (`notification_deliveries`), retried with backoff. */
export const notifyJob = z.object({ type: z.literal('notify'), deliveryId: uuid }).strict();

/** Re-queues deliveries still Pending whose job Redis lost (a flush, a failover). */
export const notifySweepJob = z.object({ type: z.literal('notify-sweep') }).strict();

/**
 * Advances the rollouts of one ApplicationSet: starts one for held renderings, judges and
 * updates targets, completes steps. Asked for by status changes, commands, timers (delayed, for a
 * bake end, a deadline or a window) and the sweep; every decision is read from the log, so any
 * number of ticks in any order decide the same.
 */
export const rolloutTickJob = z
  .object({ type: z.literal('rollout-tick'), applicationSetId: uuid })
  .strict();

/** Queues a tick of every ApplicationSet with an active rollout or held renderings. */
export const rolloutSweepJob = z.object({ type: z.literal('rollout-sweep') }).strict();

/** Every job payload. */
export const jobPayload = z.discriminatedUnion('type', [
  connectivitySweepJob,
  planProbeRoundJob,
  probeRoundJob,
  kubeconfigProbeJob,
  secretsResealJob,
  gitRefreshJob,
  generateAppsetJob,
  writeApplicationsJob,
  finishGenerationJob,
  appsetResyncJob,
  renderJob,
  renderResyncJob,
  pushClusterJob,
  pushResyncJob,
  notifyJob,
  notifySweepJob,
  rolloutTickJob,
  rolloutSweepJob,
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
  'generate-appset': QUEUES.appsetGeneration,
  'write-applications': QUEUES.appsetGeneration,
  'finish-generation': QUEUES.appsetGeneration,
  'appset-resync': QUEUES.fleetUpkeep,
  render: QUEUES.delivery,
  'render-resync': QUEUES.fleetUpkeep,
  'push-cluster': QUEUES.clusterPush,
  'push-resync': QUEUES.fleetUpkeep,
  notify: QUEUES.notifications,
  'notify-sweep': QUEUES.fleetUpkeep,
  'rollout-tick': QUEUES.rollouts,
  'rollout-sweep': QUEUES.fleetUpkeep,
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
  /**
   * A render of `scope` (`pending`, `all`, or `repo/<key>`) asked for in time slot `slot` (ms /
   * coalescing window): triggers within one window collapse into one job.
   */
  render: (scope: string, slot: number) => `render/${scope}/${slot}`,
  /**
   * Applying a kubeconfig cluster's desired revision; `changedAt` (ms, from `cluster_desired`)
   * tells a return to an earlier revision from the job that applied it before.
   */
  pushApply: (clusterId: string, revision: string, changedAt: number) =>
    `push/${clusterId}/${revision}/${changedAt}`,
  /** The drift pass of a kubeconfig cluster in time slot `slot`. */
  pushAssess: (clusterId: string, slot: number) => `push-assess/${clusterId}/${slot}`,
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
  /** One generation per ApplicationSet and request number: a repeated trigger collapses. */
  generateAppset: (applicationSetId: string, requested: number) =>
    `generate/${applicationSetId}/${requested}`,
  /** Chunk `chunk` of a plan (`planKey`: digest of its operations). */
  writeApplications: (applicationSetId: string, planKey: string, chunk: number) =>
    `appset-write/${applicationSetId}/${planKey}/${chunk}`,
  /** The sending of one notification delivery (its id derives from rule and event). */
  notify: (deliveryId: string) => `notify/${deliveryId}`,
  /**
   * A tick of an ApplicationSet's rollouts in time slot `slot` (a burst of triggers is one job),
   * or at `wakeAt` (ms; a timer: one per moment, re-created by any tick that computes it again).
   */
  rolloutTick: (applicationSetId: string, slot: number) =>
    `rollout-tick/${applicationSetId}/${slot}`,
  rolloutWake: (applicationSetId: string, wakeAt: number) =>
    `rollout-wake/${applicationSetId}/${wakeAt}`,
  /** The parent of a plan's chunks. */
  finishGeneration: (applicationSetId: string, planKey: string) =>
    `appset-finish/${applicationSetId}/${planKey}`,
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
