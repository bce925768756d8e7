import { z } from 'zod';
import { renderingSchema, type Rendering } from '../delivery/delivery.events';
import { rolloutStrategySchema } from './rollout-strategy';

export { renderingSchema, type Rendering };

/**
 * Rollout events (stream `rollout-<id>`). A Rollout moves one ApplicationSet's new renderings
 * (held back by the renderer while the ApplicationSet has a strategy) onto its clusters, step by
 * step. Every decision is one of these events, with the actor in the envelope: the worker
 * (`system:rollouts`) or the user who approved, paused, resumed or aborted.
 *
 * A target is one Application (on one cluster). Events that concern many targets list them, so a
 * step of a thousand clusters is a handful of events, not thousands.
 */

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');
const commitId = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a Git commit id');
const uuid = z.uuid();

/** One target as the rollout started with it. */
export const rolloutTargetSchema = z
  .object({
    applicationId: uuid,
    applicationName: z.string().min(1),
    clusterId: z.string().min(1),
    clusterName: z.string(),
    /** The rendering this rollout brings (its bundle). */
    bundleId: sha256Hex,
    commit: commitId,
  })
  .strict();
export type RolloutTarget = z.output<typeof rolloutTargetSchema>;

const targetRef = z.object({ applicationId: uuid, clusterId: z.string().min(1) }).strict();

/** Why a target failed. */
export const TARGET_FAILURES = [
  'Degraded',
  'ProgressDeadlineExceeded',
  'ClusterUnavailable',
] as const;

/** The gates a step can wait at. */
export const ROLLOUT_GATES = ['Approval', 'SyncWindow', 'ClustersUnavailable'] as const;
export type RolloutGate = (typeof ROLLOUT_GATES)[number];

export const rolloutEventSchemas = {
  /**
   * A rollout began: which ApplicationSet, the strategy as it then read, why (`reason`), which
   * targets each step holds (decided once, here: a cluster relabelled later does not change
   * steps), which Applications no step selects (`excluded`), and the rollout it supersedes.
   */
  RolloutStarted: {
    version: 1,
    schema: z
      .object({
        tenant: z.string().min(1),
        applicationSetId: uuid,
        applicationSetName: z.string().min(1),
        strategy: rolloutStrategySchema,
        /** A digest of every (Application, bundle) the rollout brings: "the revision". */
        revision: sha256Hex,
        commits: z.array(commitId),
        reason: z.string().max(1024),
        steps: z.array(
          z.object({ name: z.string(), targets: z.array(rolloutTargetSchema) }).strict(),
        ),
        excluded: z.array(rolloutTargetSchema),
        supersedes: uuid.nullable(),
      })
      .strict(),
  },
  /** A step began: its first targets are about to be updated. */
  RolloutStepStarted: { version: 1, schema: z.object({ step: z.number().int().min(0) }).strict() },
  /**
   * Targets were given the new rendering (the same transaction appends `ApplicationRendered` to
   * each Application's delivery stream). `previous` is what each ran before, for a rollback.
   */
  RolloutTargetsUpdated: {
    version: 1,
    schema: z
      .object({
        step: z.number().int().min(0),
        /** When, by the orchestrator's clock (progress deadlines count from here). */
        at: z.iso.datetime(),
        targets: z
          .array(
            targetRef
              .extend({ rendering: renderingSchema, previous: renderingSchema.nullable() })
              .strict(),
          )
          .min(1),
      })
      .strict(),
  },
  /** Targets reported the new rendering Synced and Healthy. */
  RolloutTargetsHealthy: {
    version: 1,
    schema: z
      .object({
        step: z.number().int().min(0),
        /** When, by the orchestrator's clock (bake times count from here). */
        at: z.iso.datetime(),
        targets: z.array(targetRef).min(1),
      })
      .strict(),
  },
  /** Targets failed: Degraded on the new rendering, not Healthy by the deadline, or unavailable. */
  RolloutTargetsFailed: {
    version: 1,
    schema: z
      .object({
        step: z.number().int().min(0),
        targets: z
          .array(
            targetRef
              .extend({ reason: z.enum(TARGET_FAILURES), message: z.string().max(1024) })
              .strict(),
          )
          .min(1),
      })
      .strict(),
  },
  /** Targets on Offline or Stale clusters were skipped (policy Skip); updated when they return. */
  RolloutTargetsSkipped: {
    version: 1,
    schema: z
      .object({ step: z.number().int().min(0), targets: z.array(targetRef).min(1) })
      .strict(),
  },
  /** A step waits at a gate (`until`: when it opens by itself, if it will). */
  RolloutGateWaiting: {
    version: 1,
    schema: z
      .object({
        step: z.number().int().min(0),
        gate: z.enum(ROLLOUT_GATES),
        message: z.string().max(1024),
        until: z.iso.datetime().nullable(),
      })
      .strict(),
  },
  /** A deployer promoted the rollout past a step's approval gate. */
  RolloutApproved: {
    version: 1,
    schema: z.object({ step: z.number().int().min(0), comment: z.string().max(1024) }).strict(),
  },
  /** A deployer overrode a sync window that allows manual syncs, for one step. */
  RolloutSyncWindowOverridden: {
    version: 1,
    schema: z
      .object({
        step: z.number().int().min(0),
        window: z.string().max(1024),
        comment: z.string().max(1024),
      })
      .strict(),
  },
  /** Every target of a step is done (healthy for the bake time, skipped, or failed within budget). */
  RolloutStepCompleted: {
    version: 1,
    schema: z.object({ step: z.number().int().min(0) }).strict(),
  },
  /** The rollout stopped updating: by a user, or by the failure budget (`by: 'health'`). */
  RolloutPaused: {
    version: 1,
    schema: z.object({ by: z.enum(['user', 'health']), reason: z.string().max(1024) }).strict(),
  },
  /** The rollout goes on. */
  RolloutResumed: { version: 1, schema: z.object({ comment: z.string().max(1024) }).strict() },
  /** The rollout was stopped for good; with `rollback`, its updated targets go back. */
  RolloutAborted: {
    version: 1,
    schema: z.object({ rollback: z.boolean(), reason: z.string().max(1024) }).strict(),
  },
  /**
   * Updated targets were put back on what they ran before (the same transaction appends
   * `ApplicationRendered` with that rendering to each delivery stream).
   */
  RolloutRolledBack: {
    version: 1,
    schema: z
      .object({ targets: z.array(targetRef.extend({ rendering: renderingSchema }).strict()) })
      .strict(),
  },
  /** Every step is done. */
  RolloutCompleted: {
    version: 1,
    schema: z
      .object({
        updated: z.number().int().min(0),
        failed: z.number().int().min(0),
        skipped: z.number().int().min(0),
      })
      .strict(),
  },
  /** A newer rollout of the same ApplicationSet took over (a new revision arrived). */
  RolloutSuperseded: { version: 1, schema: z.object({ by: uuid }).strict() },
} as const;

/** The name of a rollout event. */
export type RolloutEventType = keyof typeof rolloutEventSchemas;

/** One rollout event as `{ type, data }`, discriminated on `type`. */
export type RolloutEvent = {
  [K in RolloutEventType]: {
    type: K;
    data: z.output<(typeof rolloutEventSchemas)[K]['schema']>;
  };
}[RolloutEventType];

const PREFIX = 'rollout-';
/** The stream of one rollout. */
export const rolloutStream = (id: string): string => `${PREFIX}${id}`;
/** The rollout id of a rollout stream. */
export const rolloutIdOf = (streamId: string): string => streamId.slice(PREFIX.length);
