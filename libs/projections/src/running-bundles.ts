import type { PoolClient } from 'pg';

/** The deliveries projection's wide table and its narrow echo, `running_bundles`. */
export interface Tables {
  deliveries: string;
  running: string;
}

/**
 * Creates `running_bundles` (`table`) unless it exists: who runs which bundle where, one row per
 * live delivery that has a bundle.
 */
export async function createRunningBundles(tx: PoolClient, table: string): Promise<void> {
  const made = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
  if (made.rows[0]?.t) return;
  // No parallel scans: the hub counts on it while a second statement pages on it, and parallel
  // workers take the cores those two need (slower on the views bench's 2 cores).
  await tx.query(`CREATE TABLE ${table} (
    application_id uuid NOT NULL,
    cluster_id text NOT NULL,
    tenant text NOT NULL,
    app_name text NOT NULL,
    namespace text NOT NULL,
    bundle_id text NOT NULL,
    PRIMARY KEY (application_id, cluster_id))
    WITH (parallel_workers = 0)`);
  // Pages walk (tenant, name, id) in order; counts group by bundle.
  await tx.query(`CREATE INDEX ON ${table} (tenant, app_name, application_id)`);
  await tx.query(`CREATE INDEX ON ${table} (bundle_id)`);
}

/**
 * `write` (an INSERT or UPDATE of `tables.deliveries`, without RETURNING) in one statement with
 * its echo in `tables.running`: each row it writes that is live with a bundle is upserted there
 * (unless unchanged), each other one removed. The statement returns the written rows'
 * `cluster_id`.
 */
export const mirrored = (tables: Tables, write: string) => `
  WITH w AS (${write}
    RETURNING application_id, cluster_id, tenant, name, namespace, bundle_id, deleted),
  gone AS (
    DELETE FROM ${tables.running} r USING w
     WHERE r.application_id = w.application_id AND r.cluster_id = w.cluster_id
       AND (w.deleted OR w.bundle_id IS NULL)),
  kept AS (
    INSERT INTO ${tables.running} AS r
      (application_id, cluster_id, tenant, app_name, namespace, bundle_id)
    SELECT application_id, cluster_id, tenant, name, namespace, bundle_id
      FROM w WHERE NOT w.deleted AND w.bundle_id IS NOT NULL
    ON CONFLICT (application_id, cluster_id) DO UPDATE
       SET tenant = EXCLUDED.tenant, app_name = EXCLUDED.app_name,
           namespace = EXCLUDED.namespace, bundle_id = EXCLUDED.bundle_id
     WHERE (r.tenant, r.app_name, r.namespace, r.bundle_id)
           IS DISTINCT FROM (EXCLUDED.tenant, EXCLUDED.app_name, EXCLUDED.namespace, EXCLUDED.bundle_id))
  SELECT cluster_id FROM w`;
