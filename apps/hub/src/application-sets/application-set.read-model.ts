import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type JsonObjectValue } from '@flotilla/domain';
import { liveTarget } from '@flotilla/event-store';
import {
  applicationSetsProjection,
  applicationsProjection,
  clustersProjection,
  DELIVERIES_TABLE,
  FLEET_HISTORY_VERSION,
  type ApplicationSetStatusRow,
} from '@flotilla/projections';
import type { Pool } from 'pg';
import { CLUSTER_SCOPED_KINDS } from '@flotilla/domain';
import { labelSelectorSql } from '../clusters/label-selector.sql';
import { PG_POOL } from '../infra/tokens';
import { isUuid } from './application-set.service';

/** A row of `application_sets`. */
export interface ApplicationSetRow {
  id: string;
  tenant: string;
  name: string;
  manifest: JsonObjectValue;
  manifest_version: number;
  status: ApplicationSetStatusRow;
  application_count: number;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** A row of `applications`, with its ApplicationSet's name and its cluster (when still known). */
export interface ApplicationRow {
  id: string;
  application_set_id: string;
  application_set_name: string | null;
  tenant: string;
  name: string;
  cluster_id: string;
  cluster_name: string | null;
  cluster_labels: Record<string, string> | null;
  namespace: string;
  project: string;
  repo_url: string | null;
  target_revision: string | null;
  path: string | null;
  spec: JsonObjectValue;
  created_at: Date;
  updated_at: Date;
  delivery: DeliveryColumns;
}

/** The Application's row of `application_deliveries` (all null before the worker rendered it). */
export interface DeliveryColumns {
  commit: string | null;
  bundle_id: string | null;
  rendered_at: string | null;
  render_error_code: string | null;
  render_error_message: string | null;
  /** True while the Application's current spec is the one that failed to render. */
  render_failing: boolean | null;
  status_commit: string | null;
  status_bundle_id: string | null;
  sync: string | null;
  health: string | null;
  status_message: string | null;
  resource_count: number | null;
  problems: unknown[] | null;
  observed_at: string | null;
  last_drift: unknown[] | null;
  last_drift_at: string | null;
  drift_corrected: boolean | null;
}

/** Filters of the ApplicationSets list, as validated GraphQL input. */
export interface ApplicationSetQuery {
  tenants: string[];
  search?: string;
}

/** Filters of the Applications list, as validated GraphQL input. */
export interface ApplicationQuery {
  tenants: string[];
  applicationSetId?: string;
  clusterId?: string;
  /** A label selector on the Application's cluster. */
  selector?: string;
  search?: string;
  /** Reported sync status; an Application not reported yet counts as Unknown. */
  sync?: string;
  /** Reported health; an Application not reported yet counts as Unknown. */
  health?: string;
}

/** Filters of the deployed objects list, as validated GraphQL input. */
export interface ResourceQuery {
  tenants: string[];
  kind: string;
  group?: string;
  namespace?: string;
  name?: string;
  selector?: string;
}

/** Where a page of objects ends: tenant, Application name and id, group, kind, namespace, name. */
export type ResourceCursor = [string, string, string, string, string, string, string];

/** One object an Application deploys, with the cluster's report of it when it has a problem. */
export interface ResourceRow {
  application_id: string;
  tenant: string;
  app_name: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  problem: {
    group: string;
    version: string;
    kind: string;
    namespace: string;
    name: string;
    sync: string;
    health: string | null;
    message: string;
  } | null;
}

const SETS = liveTarget(applicationSetsProjection).table('application_sets');
const APPS = liveTarget(applicationsProjection).table('applications');
const CLUSTERS = liveTarget(clustersProjection).table('clusters');
const DELIVERIES = DELIVERIES_TABLE;
const APP_HISTORY = liveTarget({ version: FLEET_HISTORY_VERSION }).table('application_history');

const SET_COLUMNS = `id, tenant, name, manifest, manifest_version, status, application_count,
  created_at, updated_at, version`;
// One statement brings each Application's ApplicationSet name and cluster along.
const APP_SELECT = `SELECT a.id, a.application_set_id, s.name AS application_set_name, a.tenant,
    a.name, a.cluster_id, c.name AS cluster_name, c.labels AS cluster_labels, a.namespace,
    a.project, a.repo_url, a.target_revision, a.path, a.spec, a.created_at, a.updated_at,
    json_build_object('commit', d.commit, 'bundle_id', d.bundle_id, 'rendered_at', d.rendered_at,
      'render_error_code', d.render_error_code, 'render_error_message', d.render_error_message,
      'render_failing', d.render_failed_digest = a.digest, 'status_commit', d.status_commit,
      'status_bundle_id', d.status_bundle_id, 'sync', d.sync, 'health', d.health,
      'status_message', d.status_message, 'resource_count', d.resource_count,
      'problems', d.problems, 'observed_at', d.observed_at, 'last_drift', d.last_drift,
      'last_drift_at', d.last_drift_at, 'drift_corrected', d.drift_corrected) AS delivery
  FROM ${APPS} a
  LEFT JOIN ${SETS} s ON s.id = a.application_set_id
  LEFT JOIN ${CLUSTERS} c ON c.id = a.cluster_id
  LEFT JOIN ${DELIVERIES} d ON d.application_id = a.id AND d.cluster_id = a.cluster_id`;

const like = (search: string) => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Reads of the ApplicationSets and Applications read models (one statement per batch). */
@Injectable()
export class ApplicationSetReadModel {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Objects the live Applications of `query.tenants` put on their clusters, from the bundles
   * they run: each distinct bundle is expanded once, then joined to the Applications running it.
   * Ordered by tenant, Application name and id, then group, kind, namespace and name.
   */
  async listResources(
    query: ResourceQuery,
    first: number,
    after?: ResourceCursor,
  ): Promise<{ rows: ResourceRow[]; totalCount: number }> {
    const { ctes, params } = resourceCtes(query);
    const n = params.length;
    const cursor = after ?? ['', '', '00000000-0000-0000-0000-000000000000', '', '', '', ''];
    // One statement: the objects are found once, then counted and paged; the cluster's report
    // (problems) is read for the page only.
    const { rows } = await this.pool.query<ResourceRow & { total: string }>(
      `${ctes},
       page AS (
         SELECT * FROM r
          WHERE (tenant, app_name, application_id, "group", kind, namespace, name)
              > ($${n + 1}, $${n + 2}, $${n + 3}::uuid, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7})
          ORDER BY tenant, app_name, application_id, "group", kind, namespace, name
          LIMIT $${n + 8})
       SELECT t.total, p.application_id, p.tenant, p.app_name, p."group", p.version, p.kind,
              p.namespace, p.name,
              (SELECT x FROM jsonb_array_elements(coalesce(d.problems, '[]'::jsonb)) x
                WHERE x->>'group' = p."group" AND x->>'kind' = p.kind
                  AND x->>'namespace' = p.namespace AND x->>'name' = p.name LIMIT 1) AS problem
         FROM (SELECT count(*) AS total FROM r) t
         LEFT JOIN page p ON true
         LEFT JOIN ${DELIVERIES} d
           ON d.application_id = p.application_id AND d.cluster_id = p.cluster_id
        ORDER BY p.tenant, p.app_name, p.application_id, p."group", p.kind, p.namespace, p.name`,
      [...params, ...cursor, first],
    );
    const totalCount = Number(rows[0]?.total ?? 0);
    return {
      rows: rows.filter((r) => r.application_id !== null).map(({ total: _, ...row }) => row),
      totalCount,
    };
  }

  /** Live Applications by id (one statement). */
  async getApplications(ids: readonly string[]): Promise<ApplicationRow[]> {
    const valid = [...new Set(ids)].filter(isUuid);
    if (valid.length === 0) return [];
    const { rows } = await this.pool.query<ApplicationRow>(
      `${APP_SELECT} WHERE a.id = ANY($1::uuid[])`,
      [valid],
    );
    return rows;
  }

  /** The live ApplicationSet with this id, or null. */
  async getSet(id: string): Promise<ApplicationSetRow | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.pool.query<ApplicationSetRow>(
      `SELECT ${SET_COLUMNS} FROM ${SETS} WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The live ApplicationSet `tenant/name`, or null. */
  async findSet(tenant: string, name: string): Promise<ApplicationSetRow | null> {
    const { rows } = await this.pool.query<ApplicationSetRow>(
      `SELECT ${SET_COLUMNS} FROM ${SETS} WHERE tenant = $1 AND name = $2`,
      [tenant, name],
    );
    return rows[0] ?? null;
  }

  /** A page of live ApplicationSets by tenant and name, after a `tenant/name` cursor. */
  async listSets(
    query: ApplicationSetQuery,
    first: number,
    after?: string,
  ): Promise<{ rows: ApplicationSetRow[]; totalCount: number }> {
    const params: unknown[] = [query.tenants];
    const conditions = ['tenant = ANY($1::text[])'];
    if (query.search) {
      params.push(like(query.search));
      conditions.push(`name ILIKE $${params.length}`);
    }
    const where = conditions.join(' AND ');
    const total = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${SETS} WHERE ${where}`,
      params,
    );
    const [afterTenant, afterName] = after ? splitCursor(after, 2) : ['', ''];
    const n = params.length;
    const { rows } = await this.pool.query<ApplicationSetRow>(
      `SELECT ${SET_COLUMNS} FROM ${SETS} WHERE ${where} AND (tenant, name) > ($${n + 1}, $${n + 2})
       ORDER BY tenant, name LIMIT $${n + 3}`,
      [...params, afterTenant, afterName, first],
    );
    return { rows, totalCount: Number(total.rows[0]?.n ?? 0) };
  }

  /** The live Application with this id, or null. */
  async getApplication(id: string): Promise<ApplicationRow | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.pool.query<ApplicationRow>(`${APP_SELECT} WHERE a.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** A page of live Applications by tenant, name and id, after a `tenant/name/id` cursor. */
  async listApplications(
    query: ApplicationQuery,
    first: number,
    after?: string,
  ): Promise<{ rows: ApplicationRow[]; totalCount: number }> {
    const [t, name, id] = after
      ? splitCursor(after, 3)
      : ['', '', '00000000-0000-0000-0000-000000000000'];
    if (!isUuid(id)) throw badCursor();
    const { where, params } = applicationWhere(query, 'page');
    const n = params.length;
    // Side by side (two statements, as before, but not one after the other).
    const [total, page] = await Promise.all([
      this.countApplications(query),
      this.pool.query<ApplicationRow>(
        `${APP_SELECT} WHERE ${where} AND (a.tenant, a.name, a.id) > ($${n + 1}, $${n + 2}, $${n + 3}::uuid)
         ORDER BY a.tenant, a.name, a.id LIMIT $${n + 4}`,
        [...params, t, name, id, first],
      ),
    ]);
    return { rows: page.rows, totalCount: Number(total.rows[0]?.n ?? 0) };
  }

  /**
   * How many Applications match. A filter on status (and on ApplicationSet or cluster, without
   * a name search or label selector) is counted on the fleet history's open rows: one narrow row
   * per live Application with its cluster's last report, indexed by health, where the read models
   * would join two wide tables across the whole fleet (85 ms against a few on the views bench).
   * Otherwise the read models, joining only what the filter reads.
   */
  private async countApplications(query: ApplicationQuery): Promise<{ rows: { n: string }[] }> {
    const byStatus = query.sync !== undefined || query.health !== undefined;
    if (byStatus && !query.search && query.selector === undefined) {
      const conditions = ['to_pos IS NULL', 'tenant = ANY($1::text[])'];
      const params: unknown[] = [query.tenants];
      for (const [column, value, cast] of [
        ['application_set_id', query.applicationSetId, '::uuid'],
        ['cluster_id', query.clusterId, ''],
      ] as const) {
        if (value === undefined) continue;
        params.push(column === 'application_set_id' && !isUuid(value) ? null : value);
        conditions.push(`${column} = $${params.length}${cast}`);
      }
      for (const [column, value] of [
        ['sync', query.sync],
        ['health', query.health],
      ] as const) {
        if (value === undefined) continue;
        params.push(value);
        // Not reported yet counts as Unknown.
        conditions.push(
          value === 'Unknown'
            ? `coalesce(${column}, 'Unknown') = $${params.length}`
            : `${column} = $${params.length}`,
        );
      }
      return this.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${APP_HISTORY} WHERE ${conditions.join(' AND ')}`,
        params,
      );
    }
    const count = applicationWhere(query, 'count');
    return this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${APPS} a
       ${count.reads.clusters ? `LEFT JOIN ${CLUSTERS} c ON c.id = a.cluster_id` : ''}
       ${count.reads.deliveries ? `LEFT JOIN ${DELIVERIES} d ON d.application_id = a.id AND d.cluster_id = a.cluster_id` : ''}
       WHERE ${count.where}`,
      count.params,
    );
  }

  /**
   * Pages of the Applications of several ApplicationSets at once (by name, after a name cursor),
   * with each one's total: two statements, however many ApplicationSets a list shows.
   */
  async applicationsOfSets(
    setIds: readonly string[],
    first: number,
    after?: string,
  ): Promise<Map<string, { rows: ApplicationRow[]; totalCount: number }>> {
    const ids = [...new Set(setIds)];
    const [pages, totals] = await Promise.all([
      this.pool.query<ApplicationRow>(
        `SELECT * FROM (
           SELECT p.*, row_number() OVER (PARTITION BY p.application_set_id ORDER BY p.name) AS rn
           FROM (${APP_SELECT} WHERE a.application_set_id = ANY($1::uuid[]) AND a.name > $2) p
         ) q WHERE rn <= $3 ORDER BY application_set_id, name`,
        [ids, after ?? '', first],
      ),
      this.pool.query<{ id: string; n: string }>(
        `SELECT application_set_id AS id, count(*) AS n FROM ${APPS}
         WHERE application_set_id = ANY($1::uuid[]) GROUP BY 1`,
        [ids],
      ),
    ]);
    const out = new Map(ids.map((id) => [id, { rows: [] as ApplicationRow[], totalCount: 0 }]));
    for (const row of pages.rows) out.get(row.application_set_id)?.rows.push(row);
    for (const t of totals.rows) {
      const entry = out.get(t.id);
      if (entry) entry.totalCount = Number(t.n);
    }
    return out;
  }

  /** Where the named Applications of an ApplicationSet run now (for a preview). */
  async placements(
    setId: string | null,
  ): Promise<Map<string, { clusterId: string; namespace: string }>> {
    if (setId === null) return new Map();
    const { rows } = await this.pool.query<{ name: string; cluster_id: string; namespace: string }>(
      `SELECT name, cluster_id, namespace FROM ${APPS} WHERE application_set_id = $1`,
      [setId],
    );
    return new Map(rows.map((r) => [r.name, { clusterId: r.cluster_id, namespace: r.namespace }]));
  }

  /** Cluster names by id (deregistered clusters too). */
  async clusterNames(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ id: string; name: string }>(
      `SELECT id, name FROM ${CLUSTERS} WHERE id = ANY($1::text[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}

/**
 * `r`: the objects of `query.kind` the live Applications of `query.tenants` put on their
 * clusters, from the bundles they run (each distinct bundle expanded once), with the namespace
 * each lands in. Starts from the deliveries, which carry the Application's tenant and name; the
 * Application must still be live (its applications row, checked on the primary key only).
 */
function resourceCtes(query: ResourceQuery): { ctes: string; params: unknown[] } {
  const params: unknown[] = [query.tenants, query.kind, [...CLUSTER_SCOPED_KINDS]];
  const appConditions = ['NOT d.deleted', 'd.bundle_id IS NOT NULL', 'd.tenant = ANY($1::text[])'];
  if (query.selector !== undefined) {
    const s = labelSelectorSql(query.selector, 'c.labels', params.length + 1);
    appConditions.push(s.sql);
    params.push(...s.params);
  }
  const objConditions: string[] = [];
  for (const [column, value] of [
    ['o."group"', query.group],
    ['o.namespace', query.namespace],
    ['o.name', query.name],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    objConditions.push(`${column} = $${params.length}`);
  }
  const ctes = `
    WITH apps AS MATERIALIZED (
      SELECT d.application_id, d.cluster_id, d.tenant, d.name AS app_name, d.namespace AS dest,
             d.bundle_id
        FROM ${DELIVERIES} d
        ${query.selector !== undefined ? `JOIN ${CLUSTERS} c ON c.id = d.cluster_id` : ''}
       WHERE ${appConditions.join(' AND ')}
         AND EXISTS (SELECT 1 FROM ${APPS} a WHERE a.id = d.application_id)),
    expanded AS (
      SELECT b.id AS bundle_id, m->>'apiVersion' AS api_version, m->>'kind' AS kind,
             m->'metadata'->>'name' AS name, m->'metadata'->>'namespace' AS own_namespace
        FROM bundles b CROSS JOIN LATERAL jsonb_array_elements(b.manifests) m
       WHERE b.id IN (SELECT DISTINCT bundle_id FROM apps) AND m->>'kind' = $2),
    o AS (
      SELECT apps.application_id, apps.cluster_id, apps.tenant, apps.app_name, e.kind, e.name,
             CASE WHEN position('/' in e.api_version) > 0
                  THEN split_part(e.api_version, '/', 1) ELSE '' END AS "group",
             CASE WHEN position('/' in e.api_version) > 0
                  THEN split_part(e.api_version, '/', 2) ELSE e.api_version END AS version,
             e.own_namespace, apps.dest
        FROM apps JOIN expanded e USING (bundle_id)),
    r AS MATERIALIZED (
      SELECT * FROM (
        SELECT o.*, CASE
                 WHEN (o."group" || '/' || o.kind) = ANY($3::text[]) THEN ''
                 ELSE coalesce(o.own_namespace, o.dest) END AS namespace
          FROM o) o
       ${objConditions.length ? `WHERE ${objConditions.join(' AND ')}` : ''})`;
  return { ctes, params };
}

/**
 * The conditions of an Applications list on `a` (applications), `c` (its cluster) and `d` (its
 * delivery), and which of `c` and `d` they read. A status other than Unknown can be asked for
 * in two equivalent ways: for the `count`, `d.health = $n`, so that Postgres joins only the
 * matching deliveries (an inner join); for the `page`, through `coalesce`, under which it walks
 * the Applications in page order and stops after a page instead of joining them all first.
 */
function applicationWhere(
  query: ApplicationQuery,
  shape: 'page' | 'count',
): {
  where: string;
  params: unknown[];
  reads: { clusters: boolean; deliveries: boolean };
} {
  const conditions = ['a.tenant = ANY($1::text[])'];
  const params: unknown[] = [query.tenants];
  const reads = { clusters: false, deliveries: false };
  if (query.applicationSetId !== undefined) {
    // Not a UUID: no ApplicationSet has it, so nothing matches (rather than a SQL error).
    params.push(isUuid(query.applicationSetId) ? query.applicationSetId : null);
    conditions.push(`a.application_set_id = $${params.length}::uuid`);
  }
  if (query.clusterId !== undefined) {
    params.push(query.clusterId);
    conditions.push(`a.cluster_id = $${params.length}`);
  }
  if (query.selector !== undefined) {
    const s = labelSelectorSql(query.selector, 'c.labels', params.length + 1);
    conditions.push(`c.id IS NOT NULL AND ${s.sql}`);
    params.push(...s.params);
    reads.clusters = true;
  }
  if (query.search) {
    params.push(like(query.search));
    conditions.push(`a.name ILIKE $${params.length}`);
  }
  for (const [column, value] of [
    ['sync', query.sync],
    ['health', query.health],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    // Not reported yet counts as Unknown.
    conditions.push(
      value === 'Unknown' || shape === 'page'
        ? `coalesce(d.${column}, 'Unknown') = $${params.length}`
        : `d.${column} = $${params.length}`,
    );
    reads.deliveries = true;
  }
  return { where: conditions.join(' AND '), params, reads };
}

const badCursor = () =>
  new DomainError('BAD_USER_INPUT', 'after: must be a cursor returned by this connection', 'after');

/** Splits a `a/b[/c]` cursor (names never hold a slash). */
function splitCursor(cursor: string, parts: 2): [string, string];
function splitCursor(cursor: string, parts: 3): [string, string, string];
function splitCursor(cursor: string, parts: number): string[] {
  const split = cursor.split('/');
  if (split.length !== parts || split.some((p) => p === '')) throw badCursor();
  return split;
}
