import type { PoolClient } from 'pg';

/**
 * The deliveries projection's wide table and its narrow echoes: `running_bundles` and
 * `running_object_counts`.
 */
export interface Tables {
  deliveries: string;
  running: string;
  counts: string;
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
 * Creates `running_object_counts` (`table`) unless it exists: how many objects of each group and
 * kind the live Applications of a tenant run on a cluster (rows that reach 0 go). What the hub
 * counts "the ClusterRoles on prod clusters" with: one row per cluster and kind, not one per
 * Application. Keyed for that question (kind, group, then tenant and cluster), the count in the
 * key's index so that the sum reads the index alone.
 */
export async function createRunningObjectCounts(tx: PoolClient, table: string): Promise<void> {
  const made = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
  if (made.rows[0]?.t) return;
  await tx.query(`CREATE TABLE ${table} (
    kind text NOT NULL,
    "group" text NOT NULL,
    tenant text NOT NULL,
    cluster_id text NOT NULL,
    objects integer NOT NULL,
    PRIMARY KEY (kind, "group", tenant, cluster_id) INCLUDE (objects))`);
}

/**
 * `write` (an INSERT or UPDATE of `tables.deliveries`, without RETURNING) in one statement with
 * its echoes: each row it writes that is live with a bundle is upserted in `tables.running`
 * (unless unchanged), each other one removed; `tables.counts` moves by the objects of the bundle
 * each row ran before (read in the statement's snapshot, before its writes) and runs now. The
 * objects are read from `bundle_objects`: a rendering's bundle is stored before its event is
 * appended (and bundles never change), so a rebuild reads what the live projection read. The
 * statement returns the written rows' `cluster_id`.
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
           IS DISTINCT FROM (EXCLUDED.tenant, EXCLUDED.app_name, EXCLUDED.namespace, EXCLUDED.bundle_id)),
  delta AS (
    SELECT o.kind, o."group", x.tenant, x.cluster_id, sum(x.sign)::int AS objects
      FROM (SELECT r.tenant, r.cluster_id, r.bundle_id, -1 AS sign
              FROM ${tables.running} r JOIN w USING (application_id, cluster_id)
            UNION ALL
            SELECT tenant, cluster_id, bundle_id, 1 FROM w
             WHERE NOT w.deleted AND w.bundle_id IS NOT NULL) x
      JOIN bundle_objects o ON o.bundle_id = x.bundle_id
     GROUP BY 1, 2, 3, 4 HAVING sum(x.sign) <> 0),
  emptied AS (
    DELETE FROM ${tables.counts} k USING delta
     WHERE (k.kind, k."group", k.tenant, k.cluster_id)
         = (delta.kind, delta."group", delta.tenant, delta.cluster_id)
       AND k.objects + delta.objects = 0),
  counted AS (
    INSERT INTO ${tables.counts} AS k (kind, "group", tenant, cluster_id, objects)
    SELECT kind, "group", tenant, cluster_id, objects FROM delta
     WHERE NOT EXISTS (
       SELECT 1 FROM ${tables.counts} e
        WHERE (e.kind, e."group", e.tenant, e.cluster_id)
            = (delta.kind, delta."group", delta.tenant, delta.cluster_id)
          AND e.objects + delta.objects = 0)
    ON CONFLICT (kind, "group", tenant, cluster_id) DO UPDATE
       SET objects = k.objects + EXCLUDED.objects)
  SELECT cluster_id FROM w`;
