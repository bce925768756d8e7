import {
  parseTenantSpec,
  type CurrentApplication,
  type TenantPolicy,
  compileTenantPolicy,
} from '@flotilla/domain';
import { liveTarget } from '@flotilla/event-store';
import {
  applicationsProjection,
  clustersProjection,
  tenantsProjection,
} from '@flotilla/projections';
import type { Pool } from 'pg';
import { fleetCluster, type FleetCluster } from './fleet-clusters';

const CLUSTERS = liveTarget(clustersProjection).table('clusters');
const APPLICATIONS = liveTarget(applicationsProjection).table('applications');
const TENANTS = liveTarget(tenantsProjection).table('tenants');

/** A look-up that failed for a reason other than "there is nothing": never read as empty. */
export class GenerationInputError extends Error {
  override readonly name = 'GenerationInputError';
  constructor(
    readonly input: 'clusters' | 'tenant' | 'applications',
    message: string,
  ) {
    super(message);
  }
}

async function query<T>(
  pool: Pool,
  input: GenerationInputError['input'],
  sql: string,
  params: unknown[],
): Promise<T[]> {
  try {
    return (await pool.query(sql, params)).rows as T[];
  } catch (error) {
    throw new GenerationInputError(input, `reading ${input}: ${(error as Error).message}`);
  }
}

/** Reads what one generation needs from the read models. */
export class GenerationReader {
  constructor(private readonly pool: Pool) {}

  /** The tenant's live clusters, by name. */
  async clusters(tenant: string): Promise<FleetCluster[]> {
    const rows = await query<{ id: string; name: string; labels: Record<string, string> }>(
      this.pool,
      'clusters',
      `SELECT id, name, labels FROM ${CLUSTERS}
        WHERE tenant = $1 AND deregistered_at IS NULL ORDER BY name`,
      [tenant],
    );
    return rows.map((row) => fleetCluster(tenant, row));
  }

  /** The tenant's deployment rules; a missing tenant is an error (it cannot deploy anything). */
  async policy(tenant: string): Promise<TenantPolicy> {
    const rows = await query<{ spec: unknown }>(
      this.pool,
      'tenant',
      `SELECT spec FROM ${TENANTS} WHERE name = $1`,
      [tenant],
    );
    if (!rows[0]) throw new GenerationInputError('tenant', `tenant ${tenant} does not exist`);
    return compileTenantPolicy(parseTenantSpec(rows[0].spec));
  }

  /** The ApplicationSet's Applications as they exist now. */
  async current(applicationSetId: string | null): Promise<CurrentApplication[]> {
    if (applicationSetId === null) return [];
    const rows = await query<{
      id: string;
      name: string;
      digest: string;
      cluster_id: string;
      finalizers: string[] | null;
    }>(
      this.pool,
      'applications',
      `SELECT id, name, digest, cluster_id, metadata->'finalizers' AS finalizers
         FROM ${APPLICATIONS} WHERE application_set_id = $1 ORDER BY name`,
      [applicationSetId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      digest: r.digest,
      clusterId: r.cluster_id,
      ...(r.finalizers ? { finalizers: r.finalizers } : {}),
    }));
  }
}
