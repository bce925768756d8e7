import { Inject, Injectable } from '@nestjs/common';
import type { RolloutStrategy } from '@flotilla/domain';
import { ProjectionRunner, type EventStore, type Projection } from '@flotilla/event-store';
import {
  DELIVERIES_TABLE,
  ROLLOUT_TARGETS_TABLE,
  ROLLOUTS_TABLE,
  rolloutsProjection,
  type RolloutStepRow,
} from '@flotilla/projections';
import type { Pool } from 'pg';
import { EVENT_STORE, PG_POOL } from '../infra/tokens';

/** A row of `rollouts_v1`, with its start time in microseconds (the list's cursor). */
export interface RolloutRow {
  id: string;
  tenant: string;
  application_set_id: string;
  application_set_name: string;
  status: string;
  revision: string;
  commits: string[];
  reason: string;
  started_by: string;
  started_at: Date;
  started_us: string;
  updated_at: Date;
  finished_at: Date | null;
  supersedes: string | null;
  superseded_by: string | null;
  paused_by: 'user' | 'health' | null;
  pause_reason: string | null;
  aborted_rollback: boolean | null;
  abort_reason: string | null;
  strategy: RolloutStrategy;
  steps: RolloutStepRow[];
  current_step: number | null;
  target_count: number;
  updated_count: number;
  healthy_count: number;
  failed_count: number;
  skipped_count: number;
  excluded_count: number;
  rolled_back_count: number;
  version: number;
}

/** A row of `rollout_targets_v1`. */
export interface RolloutTargetRow {
  rollout_id: string;
  application_id: string;
  cluster_id: string;
  cluster_name: string;
  application_name: string;
  step: number;
  phase: string;
  bundle_id: string;
  commit: string;
  updated_at: Date | null;
  healthy_at: Date | null;
  failure_reason: string | null;
  failure_message: string | null;
  rolled_back: boolean;
}

/** Where a page of rollouts starts: after this (start time in microseconds, id), newest first. */
export interface RolloutCursor {
  startedUs: string;
  id: string;
}

/** Where a page of targets starts: after this (excluded, step, cluster name, Application). */
export type TargetCursor = [excluded: boolean, step: number, clusterName: string, id: string];

/** A page of one rollout's targets and how many match the filter in all. */
export interface TargetPage {
  rows: RolloutTargetRow[];
  total: number;
}

export interface RolloutQuery {
  tenants: readonly string[];
  applicationSetId?: string;
  applicationSetName?: string;
  status?: string;
  after?: RolloutCursor;
}

const ROLLOUT_COLUMNS = `id, tenant, application_set_id, application_set_name, status, revision,
  commits, reason, started_by, started_at,
  floor(extract(epoch FROM started_at) * 1000000)::bigint::text AS started_us,
  updated_at, finished_at, supersedes, superseded_by, paused_by, pause_reason, aborted_rollback,
  abort_reason, strategy, steps, current_step, target_count, updated_count, healthy_count,
  failed_count, skipped_count, excluded_count, rolled_back_count, version`;

const TARGET_COLUMNS = `rollout_id, application_id, cluster_id, cluster_name, application_name,
  step, phase, bundle_id, commit, updated_at, healthy_at, failure_reason, failure_message,
  rolled_back`;

/** No worker (nor mutation) has created the read model yet: there is nothing to read. */
const isMissingTable = (error: unknown) => (error as { code?: unknown }).code === '42P01';

/**
 * Reads of the rollouts read model (`rollouts_v1`, `rollout_targets_v1`), which the worker keeps.
 * One statement per list, whatever its length. `settle` brings it to the head of the log from the
 * hub itself, for answers to writes the request just made.
 */
@Injectable()
export class RolloutReadModel {
  private readonly runner: ProjectionRunner<never>;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    // Catch-up only (never started): the worker follows the log; several runners of one
    // projection are safe (each batch locks the checkpoint), so each event still applies once.
    this.runner = new ProjectionRunner(
      pool,
      store as EventStore<never>,
      rolloutsProjection as Projection<never>,
      null,
    );
  }

  /** Applies every rollout event committed so far (read-your-writes). */
  async settle(): Promise<void> {
    await this.runner.catchUp();
  }

  /** Up to `limit` rollouts of `query.tenants`, newest first, after `query.after`. */
  async list(query: RolloutQuery, limit: number): Promise<RolloutRow[]> {
    if (query.tenants.length === 0) return [];
    return this.rolloutsWhere(
      `tenant = ANY($1::text[])
         AND ($2::uuid IS NULL OR application_set_id = $2)
         AND ($3::text IS NULL OR application_set_name = $3)
         AND ($4::text IS NULL OR status = $4)
         AND ($5::bigint IS NULL OR (started_at, id) <
              (timestamptz 'epoch' + $5::bigint * interval '1 microsecond', $6::uuid))
       ORDER BY started_at DESC, id DESC LIMIT $7`,
      [
        query.tenants,
        query.applicationSetId ?? null,
        query.applicationSetName ?? null,
        query.status ?? null,
        query.after?.startedUs ?? null,
        query.after?.id ?? null,
        limit,
      ],
    );
  }

  /** One rollout, or null. */
  async get(id: string): Promise<RolloutRow | null> {
    const [row] = await this.rolloutsWhere('id = $1', [id]);
    return row ?? null;
  }

  /** Several rollouts, in no order. */
  async getMany(ids: readonly string[]): Promise<RolloutRow[]> {
    if (ids.length === 0) return [];
    return this.rolloutsWhere('id = ANY($1::uuid[])', [[...new Set(ids)]]);
  }

  /**
   * A page of targets of each rollout (by step, excluded last, then cluster name), with how many
   * match the filter: one statement for every rollout of a list.
   */
  async targetsOf(
    rolloutIds: readonly string[],
    filter: { step?: number; phase?: string; after?: TargetCursor },
    limit: number,
  ): Promise<Map<string, TargetPage>> {
    const ids = [...new Set(rolloutIds)];
    const out = new Map<string, TargetPage>(ids.map((id) => [id, { rows: [], total: 0 }]));
    const after = filter.after;
    const rows = await this.query<RolloutTargetRow & { total: number }>(
      `WITH f AS (
         SELECT ${TARGET_COLUMNS}, step < 0 AS excluded FROM ${ROLLOUT_TARGETS_TABLE}
          WHERE rollout_id = ANY($1::uuid[])
            AND ($2::int IS NULL OR step = $2) AND ($3::text IS NULL OR phase = $3)),
       counts AS (SELECT rollout_id, count(*)::int AS total FROM f GROUP BY rollout_id),
       page AS (
         SELECT * FROM (
           SELECT f.*, row_number() OVER (PARTITION BY f.rollout_id
                    ORDER BY f.excluded, f.step, f.cluster_name, f.application_id) AS rn
             FROM f
            WHERE $4::boolean IS NULL OR (f.excluded, f.step, f.cluster_name, f.application_id)
                  > ($4::boolean, $5::int, $6::text, $7::uuid)) p
          WHERE p.rn <= $8)
       SELECT c.total, c.rollout_id AS counted, page.*
         FROM counts c LEFT JOIN page ON page.rollout_id = c.rollout_id
        ORDER BY c.rollout_id, page.rn`,
      [
        ids,
        filter.step ?? null,
        filter.phase ?? null,
        after?.[0] ?? null,
        after?.[1] ?? null,
        after?.[2] ?? null,
        after?.[3] ?? null,
        limit,
      ],
    );
    for (const row of rows as (RolloutTargetRow & { total: number; counted: string })[]) {
      const page = out.get(row.counted);
      if (!page) continue;
      page.total = row.total;
      if (row.application_id !== null) page.rows.push(row);
    }
    return out;
  }

  /** Names of the live Applications of an ApplicationSet (what a rollout of it may update). */
  async applicationNames(applicationSetId: string): Promise<string[]> {
    const rows = await this.query<{ name: string }>(
      `SELECT DISTINCT name FROM ${DELIVERIES_TABLE}
        WHERE application_set_id = $1 AND NOT deleted ORDER BY name`,
      [applicationSetId],
    );
    return rows.map((r) => r.name);
  }

  private rolloutsWhere(where: string, params: unknown[]): Promise<RolloutRow[]> {
    return this.query<RolloutRow>(
      `SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUTS_TABLE} WHERE ${where}`,
      params,
    );
  }

  private async query<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      if (isMissingTable(error)) return [];
      throw error;
    }
  }
}
