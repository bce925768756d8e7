import { z } from 'zod';

/**
 * Delivery events: what became of an Application on its cluster (stream `delivery-<application
 * id>`, the id of the Application's own stream). They live beside the Application's stream, not
 * in it, so that status reports arriving every few seconds from thousands of agents never race the
 * generation job's expected versions on `application-<id>`; the audit trail of an Application is
 * both streams.
 *
 * Each event is appended only when something changed: re-rendering the same commit to the same
 * bundle, or an agent reporting the same status again, appends nothing.
 */

/** The delivery stream of an Application. */
export const deliveryStream = (applicationId: string): string => `delivery-${applicationId}`;
/** The Application id of a `delivery-<id>` stream. */
export const deliveryApplicationIdOf = (streamId: string): string =>
  streamId.slice('delivery-'.length);

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');
/** A Git commit id (SHA-1 or SHA-256 object format). */
const commitId = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a Git commit id');

/** Argo CD's sync status codes. */
export const SYNC_STATUS_CODES = ['Synced', 'OutOfSync', 'Unknown'] as const;
/** An Argo CD sync status. */
export type SyncStatusCode = (typeof SYNC_STATUS_CODES)[number];

/** Argo CD's health status codes, best first (the order `aggregateHealth` uses is in libs/kube). */
export const HEALTH_STATUS_CODES = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
] as const;
/** An Argo CD health status. */
export type HealthStatusCodeValue = (typeof HEALTH_STATUS_CODES)[number];

/** Which object on the cluster; `group` is `''` for the core group, `namespace` `''` when cluster-scoped. */
export const resourceRefSchema = z
  .object({
    group: z.string().max(253),
    version: z.string().max(63),
    kind: z.string().min(1).max(63),
    namespace: z.string().max(63),
    name: z.string().min(1).max(253),
  })
  .strict();
/** An object on a cluster. */
export type ResourceRefValue = z.output<typeof resourceRefSchema>;

/** One resource that is not Synced and Healthy, and what is wrong with it. */
export const resourceProblemSchema = resourceRefSchema
  .extend({
    sync: z.enum(SYNC_STATUS_CODES),
    health: z.enum(HEALTH_STATUS_CODES).nullable(),
    message: z.string().max(1024),
  })
  .strict();
/** One resource's problem. */
export type ResourceProblem = z.output<typeof resourceProblemSchema>;

/** A drifted resource: a readable diff of the fields we manage, live against applied. */
export const resourceDriftSchema = resourceRefSchema
  .extend({
    /** A unified-style diff (`- applied`, `+ live`), at most 8 KiB. */
    diff: z.string().max(8192),
  })
  .strict();
/** One drifted resource. */
export type ResourceDrift = z.output<typeof resourceDriftSchema>;

/**
 * A rendering: what a cluster runs, or is to run, for an Application (the Application digest that
 * was rendered, the commit its `targetRevision` resolved to, the bundle, the destination namespace
 * and the automated sync options). Rollouts keep these whole, to release them and to roll back.
 */
export const renderingSchema = z
  .object({
    digest: sha256Hex,
    targetRevision: z.string(),
    commit: commitId,
    bundleId: sha256Hex,
    sourceType: z.enum(['Directory', 'Helm', 'Kustomize']),
    objectCount: z.number().int().nonnegative(),
    namespace: z.string(),
    prune: z.boolean(),
    selfHeal: z.boolean(),
  })
  .strict();
/** One rendering. */
export type Rendering = z.output<typeof renderingSchema>;

/** A rendering for the Application's cluster (`ApplicationRendered`, `ApplicationRenderStaged`). */
const renderedSchema = z
  .object({ clusterId: z.string().min(1), ...renderingSchema.shape })
  .strict();

/** Every delivery event type with its current schema version and data schema. */
export const deliveryEventSchemas = {
  /**
   * The worker rendered the Application's source: what its cluster should now run. `digest` is
   * the Application digest (application events) that was rendered, `commit` what the source's
   * `targetRevision` resolved to, `bundleId` the content address of the manifests. The destination
   * namespace and the automated sync options are restated here, so that what an agent is told is
   * always one consistent rendering.
   */
  ApplicationRendered: {
    version: 1,
    schema: renderedSchema,
  },
  /**
   * The worker rendered the Application's source, but its ApplicationSet rolls out in steps: the
   * rendering is held until a rollout releases it (with an `ApplicationRendered` of the same
   * data); until then the cluster keeps running what it ran. A later rendering replaces a held one.
   */
  ApplicationRenderStaged: {
    version: 1,
    schema: renderedSchema,
  },
  /**
   * Rendering failed (Git unreachable, a revision that does not resolve, a YAML bomb, a bundle
   * over the limits, a tool missing): the cluster keeps running the last good rendering, if any.
   * `code` is a closed set from libs/render (`ToolMissing`, `BundleTooLarge`, ...) or
   * `GitUnavailable` / `RevisionNotFound`.
   */
  ApplicationRenderFailed: {
    version: 1,
    schema: z
      .object({
        clusterId: z.string().min(1),
        digest: sha256Hex,
        targetRevision: z.string(),
        commit: commitId.nullable(),
        code: z.string().min(1).max(64),
        message: z.string().max(4096),
      })
      .strict(),
  },
  /**
   * The cluster's status of the Application changed (reported by its agent, or recorded by the
   * worker for a kubeconfig cluster): what it runs (`commit`, `bundleId`, null before anything was
   * applied), sync and health by Argo CD's rules, and each resource that is not Synced and
   * Healthy with what is wrong (at most 100; `resourceCount` counts them all). `observedAt` is when
   * the cluster side observed it (the applied instant, for a sync).
   */
  ApplicationStatusChanged: {
    version: 1,
    schema: z
      .object({
        clusterId: z.string().min(1),
        commit: commitId.nullable(),
        bundleId: sha256Hex.nullable(),
        sync: z.enum(SYNC_STATUS_CODES),
        health: z.enum(HEALTH_STATUS_CODES),
        message: z.string().max(4096),
        resourceCount: z.number().int().nonnegative(),
        problems: z.array(resourceProblemSchema).max(100),
        observedAt: z.iso.datetime(),
        reporter: z.enum(['agent', 'worker']),
      })
      .strict(),
  },
  /**
   * Live objects differ from what was applied, in the fields we manage. `corrected`: self-heal put
   * them back (the drift is still recorded: drift is never silent).
   */
  ApplicationDriftDetected: {
    version: 1,
    schema: z
      .object({
        clusterId: z.string().min(1),
        resources: z.array(resourceDriftSchema).min(1).max(100),
        corrected: z.boolean(),
        observedAt: z.iso.datetime(),
      })
      .strict(),
  },
  /**
   * After the Application was deleted, its cluster removed what it had deployed (`removed`
   * objects), or kept it (`preserved`, Argo CD's preserveResourcesOnDeletion).
   */
  ApplicationResourcesRemoved: {
    version: 1,
    schema: z
      .object({
        clusterId: z.string().min(1),
        removed: z.number().int().nonnegative(),
        preserved: z.boolean(),
        observedAt: z.iso.datetime(),
      })
      .strict(),
  },
} as const;

/** The name of a delivery event. */
export type DeliveryEventType = keyof typeof deliveryEventSchemas;

/** One delivery event as `{ type, data }`, discriminated on `type`. */
export type DeliveryEvent = {
  [K in DeliveryEventType]: {
    type: K;
    data: z.output<(typeof deliveryEventSchemas)[K]['schema']>;
  };
}[DeliveryEventType];
