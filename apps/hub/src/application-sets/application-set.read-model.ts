import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type JsonObjectValue } from '@flotilla/domain';
import { liveTarget } from '@flotilla/event-store';
import {
  applicationSetsProjection,
  applicationsProjection,
  clustersProjection,
  DELIVERIES_TABLE,
  FLEET_HISTORY_VERSION,
  RUNNING_BUNDLES_TABLE,
  RUNNING_OBJECT_COUNTS_TABLE,
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
  /** The rendering held for a rollout, if any. */
  held_commit: string | null;
  held_bundle_id: string | null;
  held_at: string | null;
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
const RUNNING = RUNNING_BUNDLES_TABLE;
const RUNNING_COUNTS = RUNNING_OBJECT_COUNTS_TABLE;
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
      'last_drift_at', d.last_drift_at, 'drift_corrected', d.drift_corrected,
      'held_commit', d.staged->>'commit', 'held_bundle_id', d.staged->>'bundleId',
      'held_at', d.staged_at) AS delivery
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
   * they run, ordered by tenant, Application name and id, then group, kind, namespace and name.
   * Two statements side by side on narrow tables (`running_bundles`, `running_object_counts`,
   * `bundle_objects`): the count (see `resourceCount`), and the page, which walks the
   * deployments in order and stops after `first` objects, reading the clusters' reports
   * (problems) for those only.
   */
  async listResources(
    query: ResourceQuery,
    first: number,
    after?: ResourceCursor,
  ): Promise<{ rows: ResourceRow[]; totalCount: number }> {
    const cursor = after ?? ['', '', '00000000-0000-0000-0000-000000000000', '', '', '', ''];
    const count = resourceCount(query);
    const page = resourcePage(query, first, cursor);
    const [total, rows] = await Promise.all([
      this.pool.query<{ total: string }>(count.text, count.values),
      this.pool.query<ResourceRow>(page.text, page.values),
    ]);
    return { rows: rows.rows, totalCount: Number(total.rows[0]?.total ?? 0) };
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

type SqlParams = ReturnType<typeof sqlParams>;

/** Statement parameters, numbered as they are added. */
function sqlParams() {
  const values: unknown[] = [];
  return {
    values,
    add: (value: unknown): string => `$${values.push(value)}`,
    /** The condition of a label selector on `column`, its values added. */
    selector: (text: string, column: string): string => {
      const s = labelSelectorSql(text, column, values.length + 1);
      values.push(...s.params);
      return s.sql;
    },
  };
}

/**
 * What the count and the page of `resources` share: `from`, the deployments `d` (with their
 * cluster `c` for a label selector) and `where` on them; `objects`, the conditions on a
 * bundle's objects `o` but the namespace (it may be the deployment's); `scoped()`, whether an
 * object's kind is cluster-scoped (decided when asked, from the domain's list; its namespace
 * is then ''). The deployments are the rows of `running_bundles`: live Applications with a
 * bundle, removed there by the statement that marks a delivery deleted.
 */
function resourceFilter(query: ResourceQuery, p: SqlParams) {
  const where = [`d.tenant = ANY(${p.add(query.tenants)}::text[])`];
  if (query.selector !== undefined) where.push(p.selector(query.selector, 'c.labels'));
  const values: [string, string][] = [['kind', p.add(query.kind)]];
  if (query.group !== undefined) values.push(['"group"', p.add(query.group)]);
  if (query.name !== undefined) values.push(['name', p.add(query.name)]);
  const objects = (alias: string) =>
    values.map(([column, value]) => `${alias}.${column} = ${value}`).join(' AND ');
  // Evaluated once, before anything else: a kind no running bundle holds (a typo, or only in
  // bundles no longer run) answers at once instead of walking every deployment to find none.
  where.push(`EXISTS (SELECT 1 FROM bundle_objects x WHERE ${objects('x')}
    AND EXISTS (SELECT 1 FROM ${RUNNING} r WHERE r.bundle_id = x.bundle_id))`);
  return {
    from: `${RUNNING} d${query.selector !== undefined ? ` JOIN ${CLUSTERS} c ON c.id = d.cluster_id` : ''}`,
    where: where.join(' AND '),
    objects: objects('o'),
    // Its value is added when a statement uses it (Postgres refuses a value no placeholder reads).
    scoped: () => `(o."group" || '/' || o.kind) = ANY(${p.add([...CLUSTER_SCOPED_KINDS])}::text[])`,
  };
}

/**
 * The number of matching objects. By kind (and group) alone, the sum of the projection's counts
 * per cluster: one row per cluster running such objects, not one per Application. Otherwise, for
 * each bundle, its matching deployments times its matching objects; with a namespace, an
 * object's namespace is fixed by the bundle ('' when cluster-scoped, else its own) or, without
 * one of its own, the deployment's: those count once per deployment into that namespace.
 */
function resourceCount(query: ResourceQuery): { text: string; values: unknown[] } {
  const p = sqlParams();
  if (query.namespace === undefined && query.name === undefined) {
    const where = [`k.kind = ${p.add(query.kind)}`];
    if (query.group !== undefined) where.push(`k."group" = ${p.add(query.group)}`);
    where.push(`k.tenant = ANY(${p.add(query.tenants)}::text[])`);
    if (query.selector !== undefined) where.push(p.selector(query.selector, 'c.labels'));
    const text = `
      SELECT coalesce(sum(k.objects), 0) AS total FROM ${RUNNING_COUNTS} k
      ${query.selector !== undefined ? `JOIN ${CLUSTERS} c ON c.id = k.cluster_id` : ''}
       WHERE ${where.join(' AND ')}`;
    return { text, values: p.values };
  }
  const f = resourceFilter(query, p);
  const ns = query.namespace !== undefined ? p.add(query.namespace) : null;
  const scoped = ns ? f.scoped() : '';
  const text = `
    SELECT coalesce(sum(d.deployments * o.fixed + d.in_namespace * o.by_deployment), 0) AS total
      FROM (SELECT d.bundle_id, count(*) AS deployments,
                   ${ns ? `count(*) FILTER (WHERE d.namespace = ${ns})` : '0'} AS in_namespace
              FROM ${f.from} WHERE ${f.where} GROUP BY d.bundle_id) d
      CROSS JOIN LATERAL (
        SELECT ${ns ? `count(*) FILTER (WHERE CASE WHEN ${scoped} THEN '' ELSE o.own_namespace END = ${ns})` : 'count(*)'} AS fixed,
               ${ns ? `count(*) FILTER (WHERE NOT ${scoped} AND o.own_namespace IS NULL)` : '0'} AS by_deployment
          FROM bundle_objects o WHERE o.bundle_id = d.bundle_id AND ${f.objects}) o`;
  return { text, values: p.values };
}

/**
 * A page of matching objects after `cursor`: the deployments walked in (tenant, name, id) order
 * on their index, each bundle's matching objects sorted within, the walk stopping after `first`;
 * then, for those only, what the cluster reports wrong with each.
 */
function resourcePage(
  query: ResourceQuery,
  first: number,
  cursor: ResourceCursor,
): { text: string; values: unknown[] } {
  const p = sqlParams();
  const f = resourceFilter(query, p);
  const namespace = `CASE WHEN ${f.scoped()} THEN '' ELSE coalesce(o.own_namespace, d.namespace) END`;
  const inNamespace =
    query.namespace !== undefined ? `AND o.namespace = ${p.add(query.namespace)}` : '';
  const [tenant, name, id, group, kind, ns, object] = cursor.map(p.add) as ResourceCursor;
  const text = `
    SELECT p.application_id, p.tenant, p.app_name, p."group", p.version, p.kind, p.namespace,
           p.name,
           (SELECT x FROM jsonb_array_elements(coalesce(w.problems, '[]'::jsonb)) x
             WHERE x->>'group' = p."group" AND x->>'kind' = p.kind
               AND x->>'namespace' = p.namespace AND x->>'name' = p.name LIMIT 1) AS problem
      FROM (SELECT d.application_id, d.cluster_id, d.tenant, d.app_name, o."group", o.version,
                   o.kind, o.namespace, o.name
              FROM ${f.from}
              CROSS JOIN LATERAL (
                SELECT o."group", o.version, o.kind, o.name, ${namespace} AS namespace
                  FROM bundle_objects o WHERE o.bundle_id = d.bundle_id AND ${f.objects}) o
             WHERE ${f.where} ${inNamespace}
               AND (d.tenant, d.app_name, d.application_id) >= (${tenant}, ${name}, ${id}::uuid)
               AND (d.tenant, d.app_name, d.application_id, o."group", o.kind, o.namespace, o.name)
                 > (${tenant}, ${name}, ${id}::uuid, ${group}, ${kind}, ${ns}, ${object})
             ORDER BY d.tenant, d.app_name, d.application_id, o."group", o.kind, o.namespace, o.name
             LIMIT ${p.add(first)}) p
      LEFT JOIN ${DELIVERIES} w ON w.application_id = p.application_id AND w.cluster_id = p.cluster_id
     ORDER BY p.tenant, p.app_name, p.application_id, p."group", p.kind, p.namespace, p.name`;
  return { text, values: p.values };
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
