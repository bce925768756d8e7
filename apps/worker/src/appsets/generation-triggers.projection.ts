import { generationTargets } from '@flotilla/appsets';
import {
  assertNever,
  type ApplicationSetEvent,
  type ClusterEvent,
  type TenantEvent,
} from '@flotilla/domain';
import type { Projection, ProjectionTarget, StoredOf } from '@flotilla/event-store';
import { applicationSetIdOf, clusterIdOf } from '@flotilla/projections';
import type { PoolClient } from 'pg';
import { TRIGGER_COALESCE_MS, type GenerationRequests } from './generation-requests';

type Handled =
  | Extract<
      ApplicationSetEvent,
      {
        type:
          | 'ApplicationSetCreated'
          | 'ApplicationSetUpdated'
          | 'ApplicationSetDeleted'
          | 'ApplicationSetDeletionConfirmed';
      }
    >
  | Extract<
      ClusterEvent,
      { type: 'ClusterRegistered' | 'ClusterLabelsChanged' | 'ClusterDeregistered' }
    >
  | Extract<TenantEvent, { type: 'TenantCreated' | 'TenantUpdated' }>;

/** v2: generation_tenants (whether a tenant's destinations select clusters by label). */
export const GENERATION_TRIGGERS_VERSION = 2;

/** Which ApplicationSets a batch of events must regenerate, with why (the last reason wins). */
class Affected {
  readonly reasons = new Map<string, string>();
  add(ids: Iterable<string>, reason: string): void {
    for (const id of ids) this.reasons.set(id, reason);
  }
}

/**
 * `generation_triggers`: turns the log into generation requests. Its own small tables follow,
 * in log order, what each ApplicationSet reads (`generation_targets`: tenant, cluster generators,
 * repositories) and each cluster's tenant (`generation_clusters`), so that it requests exactly
 * the ApplicationSets an event affects:
 * - an ApplicationSet created, updated, deleted or its held deletions confirmed: that one;
 * - a cluster registered or deregistered: every live ApplicationSet of its tenant (destinations
 *   resolve against the live clusters, whatever the generators);
 * - a cluster's labels changed: the tenant's live ApplicationSets with a cluster generator, or
 *   all of them when the tenant's destinations select clusters by label (a relabelled cluster
 *   may then be newly allowed or refused as a destination of any ApplicationSet);
 * - a tenant created or updated (its rules): all of the tenant's live ApplicationSets.
 * Requests are bumped in the runner's transaction (exactly once with the checkpoint), then
 * queued; a failed enqueue throws and the batch is retried (job ids collapse the repeats).
 */
export function generationTriggersProjection(requests: GenerationRequests): Projection<Handled> {
  return {
    name: 'generation_triggers',
    version: GENERATION_TRIGGERS_VERSION,
    handles: [
      'ApplicationSetCreated',
      'ApplicationSetUpdated',
      'ApplicationSetDeleted',
      'ApplicationSetDeletionConfirmed',
      'ClusterRegistered',
      'ClusterLabelsChanged',
      'ClusterDeregistered',
      'TenantCreated',
      'TenantUpdated',
    ],
    tables: ['generation_targets', 'generation_clusters', 'generation_tenants'],
    async setup(tx: PoolClient, target: ProjectionTarget) {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${target.table('generation_targets')} (
        application_set_id uuid PRIMARY KEY,
        tenant text NOT NULL,
        uses_clusters boolean NOT NULL,
        repo_keys text[] NOT NULL,
        repo_urls text[] NOT NULL,
        deleted boolean NOT NULL DEFAULT false)`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${target.table('generation_clusters')} (
        cluster_id text PRIMARY KEY,
        tenant text NOT NULL)`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${target.table('generation_tenants')} (
        tenant text PRIMARY KEY,
        destinations_use_labels boolean NOT NULL)`);
    },
    async apply(tx, events, target) {
      const affected = new Affected();
      for (const e of events) await applyOne(tx, target, e, affected);
      // One bump per reason group keeps the statement small and the reasons readable.
      const byReason = new Map<string, string[]>();
      for (const [id, reason] of affected.reasons)
        byReason.set(reason, [...(byReason.get(reason) ?? []), id]);
      for (const [reason, ids] of byReason)
        await requests.enqueue(await requests.bump(tx, ids, reason), TRIGGER_COALESCE_MS);
    },
  };
}

async function liveSets(
  tx: PoolClient,
  table: string,
  tenant: string | undefined,
  clustersOnly: boolean,
): Promise<string[]> {
  if (tenant === undefined) return [];
  const { rows } = await tx.query<{ id: string }>(
    `SELECT application_set_id AS id FROM ${table}
      WHERE tenant = $1 AND NOT deleted AND ($2 = false OR uses_clusters)`,
    [tenant, clustersOnly],
  );
  return rows.map((r) => r.id);
}

async function destinationsUseLabels(
  tx: PoolClient,
  table: string,
  tenant: string | undefined,
): Promise<boolean> {
  if (tenant === undefined) return false;
  const { rows } = await tx.query<{ uses: boolean }>(
    `SELECT destinations_use_labels AS uses FROM ${table} WHERE tenant = $1`,
    [tenant],
  );
  // Unknown tenant: assume the worst (regenerating too much is safe, too little is not).
  return rows[0]?.uses ?? true;
}

async function clusterTenant(
  tx: PoolClient,
  table: string,
  e: StoredOf<Handled>,
): Promise<string | undefined> {
  const { rows } = await tx.query<{ tenant: string }>(
    `SELECT tenant FROM ${table} WHERE cluster_id = $1`,
    [clusterIdOf(e.streamId)],
  );
  return rows[0]?.tenant ?? e.metadata.tenantId ?? undefined;
}

async function applyOne(
  tx: PoolClient,
  target: ProjectionTarget,
  e: StoredOf<Handled>,
  affected: Affected,
): Promise<void> {
  const sets = target.table('generation_targets');
  const clusters = target.table('generation_clusters');
  switch (e.type) {
    case 'ApplicationSetCreated':
    case 'ApplicationSetUpdated': {
      const id = applicationSetIdOf(e.streamId);
      const t = generationTargets(e.data.manifest);
      await tx.query(
        `INSERT INTO ${sets} (application_set_id, tenant, uses_clusters, repo_keys, repo_urls)
         VALUES ($1, COALESCE($2, ''), $3, $4, $5)
         ON CONFLICT (application_set_id) DO UPDATE SET uses_clusters = $3, repo_keys = $4,
           repo_urls = $5, tenant = COALESCE($2, ${sets}.tenant)`,
        [
          id,
          e.type === 'ApplicationSetCreated' ? e.data.tenant : null,
          t.usesClusters,
          t.repoKeys,
          t.repoURLs,
        ],
      );
      affected.add([id], e.type === 'ApplicationSetCreated' ? 'created' : 'updated');
      return;
    }
    case 'ApplicationSetDeleted': {
      const id = applicationSetIdOf(e.streamId);
      await tx.query(`UPDATE ${sets} SET deleted = true WHERE application_set_id = $1`, [id]);
      affected.add([id], 'deleted');
      return;
    }
    case 'ApplicationSetDeletionConfirmed':
      affected.add([applicationSetIdOf(e.streamId)], 'deletions-confirmed');
      return;
    case 'ClusterRegistered':
      await tx.query(
        `INSERT INTO ${clusters} (cluster_id, tenant) VALUES ($1, $2)
         ON CONFLICT (cluster_id) DO UPDATE SET tenant = $2`,
        [clusterIdOf(e.streamId), e.data.tenant],
      );
      affected.add(await liveSets(tx, sets, e.data.tenant, false), 'cluster-registered');
      return;
    case 'ClusterDeregistered':
      affected.add(
        await liveSets(tx, sets, await clusterTenant(tx, clusters, e), false),
        'cluster-deregistered',
      );
      return;
    case 'ClusterLabelsChanged': {
      const tenant = await clusterTenant(tx, clusters, e);
      const byLabel = await destinationsUseLabels(tx, target.table('generation_tenants'), tenant);
      affected.add(await liveSets(tx, sets, tenant, !byLabel), 'cluster-labels');
      return;
    }
    case 'TenantCreated':
    case 'TenantUpdated': {
      const { name, destinations } = e.data.spec;
      const useLabels = destinations.some((d) => {
        const selector = d.clusterSelector;
        return (
          Object.keys(selector.matchLabels ?? {}).length > 0 ||
          (selector.matchExpressions ?? []).length > 0
        );
      });
      await tx.query(
        `INSERT INTO ${target.table('generation_tenants')} (tenant, destinations_use_labels)
         VALUES ($1, $2) ON CONFLICT (tenant) DO UPDATE SET destinations_use_labels = $2`,
        [name, useLabels],
      );
      affected.add(await liveSets(tx, sets, name, false), 'tenant');
      return;
    }
    default:
      assertNever(e, 'generation trigger event');
  }
}
