import type { Pool } from 'pg';
import type { DesiredResponse } from '@flotilla/contracts';
import { CLUSTER_DESIRED_TABLE, DELIVERIES_TABLE } from '@flotilla/projections';

/** The revision of a cluster that has no desired state yet (no row in cluster_desired). */
export const EMPTY_REVISION = 'empty';

interface DeliveryRow {
  id: string;
  name: string;
  namespace: string;
  bundleId: string | null;
  commit: string | null;
  prune: boolean;
  selfHeal: boolean;
  deleted: boolean;
  preserveResources: boolean;
}

/**
 * A cluster's desired state as the agent protocol serves it, read from the deliveries read
 * model (application_deliveries and cluster_desired). Both reads run in one REPEATABLE
 * READ snapshot so the revision always matches the lists it is served with.
 */
export class DesiredStateReader {
  constructor(private readonly pool: Pool) {}

  /** The desired state of `clusterId`; revision {@link EMPTY_REVISION} and empty lists when none. */
  async read(clusterId: string): Promise<DesiredResponse> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const rev = await client.query<{ revision: string }>(
        `SELECT revision FROM ${CLUSTER_DESIRED_TABLE} WHERE cluster_id = $1`,
        [clusterId],
      );
      const { rows } = await client.query<DeliveryRow>(
        `SELECT application_id AS id, name, namespace, bundle_id AS "bundleId", commit, prune,
                self_heal AS "selfHeal", deleted, preserve_resources AS "preserveResources"
           FROM ${DELIVERIES_TABLE} WHERE cluster_id = $1 ORDER BY application_id`,
        [clusterId],
      );
      await client.query('COMMIT');
      return toDesired(clusterId, rev.rows[0]?.revision ?? EMPTY_REVISION, rows);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** The cluster's revision only (cheap check before building the whole answer). */
  async revision(clusterId: string): Promise<string> {
    const { rows } = await this.pool.query<{ revision: string }>(
      `SELECT revision FROM ${CLUSTER_DESIRED_TABLE} WHERE cluster_id = $1`,
      [clusterId],
    );
    return rows[0]?.revision ?? EMPTY_REVISION;
  }

  /**
   * The bundle's wire answer (`bundleResponse` of the agent protocol) as JSON text, when a current
   * Application of `clusterId` runs it; undefined otherwise, exactly as for a bundle that does not
   * exist. The stored manifests are copied into the answer as text, never parsed.
   */
  async bundleJson(clusterId: string, bundleId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ json: string }>(
      `SELECT '{"id":' || to_json(b.id::text)::text || ',"objectCount":' || b.object_count
              || ',"manifests":' || b.manifests::text || '}' AS json
         FROM bundles b
        WHERE b.id = $2 AND EXISTS (
          SELECT 1 FROM ${DELIVERIES_TABLE} d
           WHERE d.cluster_id = $1 AND d.bundle_id = $2 AND NOT d.deleted)`,
      [clusterId, bundleId],
    );
    return rows[0]?.json;
  }
}

function toDesired(clusterId: string, revision: string, rows: DeliveryRow[]): DesiredResponse {
  const applications: DesiredResponse['applications'] = [];
  const removals: DesiredResponse['removals'] = [];
  for (const r of rows) {
    if (r.deleted) removals.push({ id: r.id, preserveResources: r.preserveResources });
    else if (r.bundleId && r.commit) {
      const { id, name, namespace, bundleId, commit, prune, selfHeal } = r;
      applications.push({ id, name, namespace, bundleId, commit, prune, selfHeal });
    }
  }
  return { clusterId, revision, applications, removals };
}
