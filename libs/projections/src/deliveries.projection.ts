import {
  assertNever,
  canonicalDigest,
  deliveryApplicationIdOf,
  type ApplicationEvent,
  type DeliveryEvent,
} from '@flotilla/domain';
import {
  liveTarget,
  type Projection,
  type ProjectionTarget,
  type StoredOf,
} from '@flotilla/event-store';
import type { PoolClient } from 'pg';
import {
  createRunningBundles,
  createRunningObjectCounts,
  mirrored,
  type Tables,
} from './running-bundles';

type Handled = ApplicationEvent | DeliveryEvent;

// 2: adds `running_bundles` (rebuilt from the log into new tables, as any version).
// 3: adds `rendering` (the last released rendering, whole) and `staged` (a rendering held for a
//    rollout), from `ApplicationRenderStaged`.
// 4: adds `running_object_counts`.
const VERSION = 4;
const LIVE = liveTarget({ version: VERSION });
/** The live table of deliveries: one row per (Application, cluster). */
export const DELIVERIES_TABLE = LIVE.table('application_deliveries');
/** The live table of each cluster's desired-state revision. */
export const CLUSTER_DESIRED_TABLE = LIVE.table('cluster_desired');
/** The live table of the bundle each live Application runs on its cluster. */
export const RUNNING_BUNDLES_TABLE = LIVE.table('running_bundles');
/** The live table of how many objects of each kind the live Applications run on each cluster. */
export const RUNNING_OBJECT_COUNTS_TABLE = LIVE.table('running_object_counts');
/** Notified (payload: the cluster id) when a cluster's desired revision changes. */
export const DESIRED_CHANNEL = 'flotilla_desired';
/** Notified (no payload) when an Application waits to be rendered. */
export const RENDER_CHANNEL = 'flotilla_render';
/**
 * Notified (payload: the ApplicationSet id) when an Application got a held rendering or a status
 * report: its ApplicationSet's rollout, if any, may move. Sent in the projection's transaction,
 * so the rollout engine, woken on commit, reads the report.
 */
export const ROLLOUT_CHANNEL = 'flotilla_rollout';

const applicationIdOfStream = (streamId: string) => streamId.slice('application-'.length);

/**
 * `application_deliveries`: what each cluster should run for each Application (the last
 * rendering: bundle, commit, namespace, automated prune/self-heal), whether rendering the current
 * spec failed, what the cluster last reported (sync, health, problems), the last drift, and the
 * version of the `delivery-<id>` stream it reflects. A deleted Application leaves a tombstone
 * (`deleted`) until its cluster reports its resources removed; an Application moved to another
 * cluster leaves one on the old cluster.
 *
 * `cluster_desired`: each cluster's desired revision, a digest of its rows; when it changes the
 * projection notifies {@link DESIRED_CHANNEL} in its transaction, so long-polls wake on commit.
 *
 * `rendering` is the last released rendering as its event had it (a rollback restores it), `staged`
 * a rendering held back until a rollout releases it (`ApplicationRenderStaged`; cleared when the
 * same rendering is released, or the Application deleted). Agents only ever see the released one.
 *
 * `running_bundles`: the rows of `application_deliveries` that are live (not deleted) and have a
 * bundle, narrowed to who runs which bundle where (Application, cluster, tenant, name, destination
 * namespace, bundle). Written by the same statement as the wide row whenever rendering, creation,
 * deletion or a move changes it; status reports, drift and render failures never touch it. The
 * hub's `resources` view counts and pages on it instead of the wide table.
 *
 * `running_object_counts`: the objects of those bundles counted by kind, group, tenant and
 * cluster (from `bundle_objects`), moved by the same statements: `resources` by kind (and group)
 * counts one row per cluster instead of one per Application.
 */
export const deliveriesProjection: Projection<Handled> = {
  name: 'deliveries',
  version: VERSION,
  handles: [
    'ApplicationCreated',
    'ApplicationUpdated',
    'ApplicationDeleted',
    'ApplicationRendered',
    'ApplicationRenderStaged',
    'ApplicationRenderFailed',
    'ApplicationStatusChanged',
    'ApplicationDriftDetected',
    'ApplicationResourcesRemoved',
  ],
  tables: ['application_deliveries', 'cluster_desired', 'running_bundles', 'running_object_counts'],
  async setup(tx: PoolClient, target: ProjectionTarget) {
    const table = target.table('application_deliveries');
    const exists = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (!exists.rows[0]?.t) {
      await tx.query(`CREATE TABLE ${table} (
        application_id uuid NOT NULL,
        cluster_id text NOT NULL,
        tenant text NOT NULL,
        application_set_id uuid NOT NULL,
        name text NOT NULL,
        app_digest text NOT NULL,
        repo_url text,
        namespace text NOT NULL DEFAULT '',
        prune boolean NOT NULL DEFAULT false,
        self_heal boolean NOT NULL DEFAULT false,
        bundle_id text,
        commit text,
        rendered_digest text,
        rendered_at timestamptz,
        rendering jsonb,
        staged jsonb,
        staged_at timestamptz,
        render_error_code text,
        render_error_message text,
        render_failed_digest text,
        deleted boolean NOT NULL DEFAULT false,
        preserve_resources boolean NOT NULL DEFAULT false,
        status_commit text,
        status_bundle_id text,
        sync text,
        health text,
        status_message text,
        resource_count integer,
        problems jsonb,
        observed_at timestamptz,
        last_drift jsonb,
        last_drift_at timestamptz,
        drift_corrected boolean,
        delivery_version integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (application_id, cluster_id))`);
      await tx.query(`CREATE INDEX ON ${table} (cluster_id)`);
      await tx.query(`CREATE INDEX ON ${table} (repo_url)`);
      // Render passes walk it by ApplicationSet (one ApplicationSet's renderings in one batch).
      await tx.query(`CREATE INDEX ON ${table} (application_set_id, application_id)`);
    }
    const desired = target.table('cluster_desired');
    const there = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [desired]);
    if (!there.rows[0]?.t) {
      await tx.query(`CREATE TABLE ${desired} (
        cluster_id text PRIMARY KEY,
        revision text NOT NULL,
        changed_at timestamptz NOT NULL)`);
    }
    await createRunningBundles(tx, target.table('running_bundles'));
    await createRunningObjectCounts(tx, target.table('running_object_counts'));
  },
  async apply(tx, events, target) {
    const tables: Tables = {
      deliveries: target.table('application_deliveries'),
      running: target.table('running_bundles'),
      counts: target.table('running_object_counts'),
    };
    const touched = new Map<string, Date>();
    const rolling = new Set<string>();
    let pending = false;
    for (const e of events) {
      const effect = await applyOne(tx, tables, e);
      for (const cluster of effect.clusters) touched.set(cluster, e.recordedAt);
      pending ||= effect.renderPending;
      if (effect.applicationSet) rolling.add(effect.applicationSet);
    }
    for (const [cluster, at] of touched) await refreshRevision(tx, target, cluster, at);
    if (pending) await tx.query(`SELECT pg_notify('${RENDER_CHANNEL}', '')`);
    for (const id of rolling) await tx.query('SELECT pg_notify($1, $2)', [ROLLOUT_CHANNEL, id]);
  },
};

interface Effect {
  /** Clusters whose desired state may have changed. */
  clusters: string[];
  /** An Application now waits to be rendered. */
  renderPending: boolean;
  /** The ApplicationSet of an Application that got a held rendering or a status report. */
  applicationSet?: string;
}
const none: Effect = { clusters: [], renderPending: false };

const repoOf = (spec: Record<string, unknown>): string | null => {
  const source = (spec.source ?? (Array.isArray(spec.sources) ? spec.sources[0] : null)) as {
    repoURL?: unknown;
  } | null;
  return typeof source?.repoURL === 'string' ? source.repoURL : null;
};

async function applyOne(tx: PoolClient, tables: Tables, e: StoredOf<Handled>): Promise<Effect> {
  const table = tables.deliveries;
  switch (e.type) {
    case 'ApplicationCreated': {
      const d = e.data;
      const id = applicationIdOfStream(e.streamId);
      // Created again where its tombstone still is: live again, with the bundle it had.
      await tx.query(
        mirrored(
          tables,
          `INSERT INTO ${table} (application_id, cluster_id, tenant, application_set_id, name,
             app_digest, repo_url, namespace, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (application_id, cluster_id) DO UPDATE SET deleted = false,
             preserve_resources = false, app_digest = $6, repo_url = $7, updated_at = $9`,
        ),
        [
          id,
          d.clusterId,
          d.tenant,
          d.applicationSetId,
          d.name,
          d.digest,
          repoOf(d.spec),
          d.namespace,
          e.recordedAt,
        ],
      );
      return { clusters: [d.clusterId], renderPending: true };
    }
    case 'ApplicationUpdated': {
      const d = e.data;
      const id = applicationIdOfStream(e.streamId);
      // Moved to another cluster: the old cluster removes what it ran (a tombstone there).
      const moved = await tx.query<{ cluster_id: string }>(
        mirrored(
          tables,
          `UPDATE ${table} SET deleted = true, preserve_resources = false, updated_at = $3
            WHERE application_id = $1 AND cluster_id <> $2 AND NOT deleted`,
        ),
        [id, d.clusterId, e.recordedAt],
      );
      await tx.query(
        mirrored(
          tables,
          `INSERT INTO ${table} (application_id, cluster_id, tenant, application_set_id, name,
             app_digest, repo_url, namespace, updated_at)
           SELECT application_id, $2, tenant, application_set_id, name, $3, $4, $5, $6
             FROM ${table} WHERE application_id = $1 LIMIT 1
           ON CONFLICT (application_id, cluster_id) DO UPDATE SET deleted = false,
             preserve_resources = false, app_digest = $3, repo_url = $4, updated_at = $6`,
        ),
        [id, d.clusterId, d.digest, repoOf(d.spec), d.namespace, e.recordedAt],
      );
      return {
        clusters: [d.clusterId, ...moved.rows.map((r) => r.cluster_id)],
        renderPending: true,
      };
    }
    case 'ApplicationDeleted': {
      const id = applicationIdOfStream(e.streamId);
      const { rows } = await tx.query<{ cluster_id: string }>(
        mirrored(
          tables,
          `UPDATE ${table} SET deleted = true, preserve_resources = $2, staged = NULL,
             updated_at = $3
            WHERE application_id = $1 AND NOT deleted`,
        ),
        [id, e.data.preserveResources, e.recordedAt],
      );
      return { clusters: rows.map((r) => r.cluster_id), renderPending: false };
    }
    case 'ApplicationRendered': {
      const d = e.data;
      await tx.query(
        mirrored(
          tables,
          `UPDATE ${table} SET bundle_id = $3, commit = $4, rendered_digest = $5,
             rendered_at = $6, namespace = $7, prune = $8, self_heal = $9, rendering = $11,
             staged = CASE WHEN staged->>'digest' = $5 AND staged->>'bundleId' = $3
                           THEN NULL ELSE staged END,
             render_error_code = NULL, render_error_message = NULL, render_failed_digest = NULL,
             delivery_version = $10, updated_at = $6
           WHERE application_id = $1 AND cluster_id = $2`,
        ),
        [
          deliveryApplicationIdOf(e.streamId),
          d.clusterId,
          d.bundleId,
          d.commit,
          d.digest,
          e.recordedAt,
          d.namespace,
          d.prune,
          d.selfHeal,
          e.streamVersion,
          JSON.stringify(d),
        ],
      );
      return { clusters: [d.clusterId], renderPending: false };
    }
    case 'ApplicationRenderStaged': {
      // Held: what the cluster runs does not change (no revision, no running_bundles change).
      const d = e.data;
      const { rows } = await tx.query<{ application_set_id: string }>(
        `UPDATE ${table} SET staged = $3, staged_at = $5, render_error_code = NULL,
           render_error_message = NULL, render_failed_digest = NULL, delivery_version = $4,
           updated_at = $5
         WHERE application_id = $1 AND cluster_id = $2 RETURNING application_set_id`,
        [
          deliveryApplicationIdOf(e.streamId),
          d.clusterId,
          JSON.stringify(d),
          e.streamVersion,
          e.recordedAt,
        ],
      );
      return { ...none, applicationSet: rows[0]?.application_set_id };
    }
    case 'ApplicationRenderFailed': {
      const d = e.data;
      await tx.query(
        `UPDATE ${table} SET render_error_code = $3, render_error_message = $4,
           render_failed_digest = $5, delivery_version = $6, updated_at = $7
         WHERE application_id = $1 AND cluster_id = $2`,
        [
          deliveryApplicationIdOf(e.streamId),
          d.clusterId,
          d.code,
          d.message,
          d.digest,
          e.streamVersion,
          e.recordedAt,
        ],
      );
      return none;
    }
    case 'ApplicationStatusChanged': {
      const d = e.data;
      const { rows } = await tx.query<{ application_set_id: string }>(
        `UPDATE ${table} SET status_commit = $3, status_bundle_id = $4, sync = $5, health = $6,
           status_message = $7, resource_count = $8, problems = $9, observed_at = $10,
           delivery_version = $11, updated_at = $12
         WHERE application_id = $1 AND cluster_id = $2 RETURNING application_set_id`,
        [
          deliveryApplicationIdOf(e.streamId),
          d.clusterId,
          d.commit,
          d.bundleId,
          d.sync,
          d.health,
          d.message,
          d.resourceCount,
          JSON.stringify(d.problems),
          d.observedAt,
          e.streamVersion,
          e.recordedAt,
        ],
      );
      return { ...none, applicationSet: rows[0]?.application_set_id };
    }
    case 'ApplicationDriftDetected': {
      const d = e.data;
      await tx.query(
        `UPDATE ${table} SET last_drift = $3, last_drift_at = $4, drift_corrected = $5,
           delivery_version = $6, updated_at = $7
         WHERE application_id = $1 AND cluster_id = $2`,
        [
          deliveryApplicationIdOf(e.streamId),
          d.clusterId,
          JSON.stringify(d.resources),
          d.observedAt,
          d.corrected,
          e.streamVersion,
          e.recordedAt,
        ],
      );
      return none;
    }
    case 'ApplicationResourcesRemoved': {
      // Only a tombstone goes, and a tombstone has no row in running_bundles.
      const { rows } = await tx.query<{ cluster_id: string }>(
        `DELETE FROM ${table} WHERE application_id = $1 AND cluster_id = $2 AND deleted
         RETURNING cluster_id`,
        [deliveryApplicationIdOf(e.streamId), e.data.clusterId],
      );
      return { clusters: rows.map((r) => r.cluster_id), renderPending: false };
    }
    default:
      return assertNever(e, 'delivery event');
  }
}

interface DesiredRow {
  application_id: string;
  bundle_id: string | null;
  commit: string | null;
  namespace: string;
  prune: boolean;
  self_heal: boolean;
  deleted: boolean;
  preserve_resources: boolean;
}

/**
 * The revision of a cluster's desired rows (sorted by application id): the first 32 hex chars of
 * SHA-256 over the canonical JSON of `{ applications, removals }`.
 */
export function desiredRevision(rows: readonly DesiredRow[]): string {
  const applications = rows
    .filter((r) => !r.deleted && r.bundle_id !== null)
    .map((r) => ({
      id: r.application_id,
      bundleId: r.bundle_id,
      commit: r.commit,
      namespace: r.namespace,
      prune: r.prune,
      selfHeal: r.self_heal,
    }));
  const removals = rows
    .filter((r) => r.deleted)
    .map((r) => ({ id: r.application_id, preserveResources: r.preserve_resources }));
  // Rows come sorted by application id, so equal desired states give equal revisions.
  return canonicalDigest({ applications, removals }).slice(0, 32);
}

async function refreshRevision(
  tx: PoolClient,
  target: ProjectionTarget,
  clusterId: string,
  at: Date,
): Promise<void> {
  const { rows } = await tx.query<DesiredRow>(
    `SELECT application_id, bundle_id, commit, namespace, prune, self_heal, deleted,
            preserve_resources
       FROM ${target.table('application_deliveries')} WHERE cluster_id = $1
      ORDER BY application_id`,
    [clusterId],
  );
  const revision = desiredRevision(rows);
  const changed = await tx.query(
    `INSERT INTO ${target.table('cluster_desired')} (cluster_id, revision, changed_at)
     VALUES ($1, $2, $3)
     ON CONFLICT (cluster_id) DO UPDATE SET revision = $2, changed_at = $3
       WHERE ${target.table('cluster_desired')}.revision <> $2`,
    [clusterId, revision, at],
  );
  if ((changed.rowCount ?? 0) > 0)
    await tx.query(`SELECT pg_notify('${DESIRED_CHANNEL}', $1)`, [clusterId]);
}
