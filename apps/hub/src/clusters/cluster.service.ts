import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  type ClusterCommand,
  type ClusterFacts,
  type Connectivity,
} from '@flotilla/domain';
import { liveTarget, type EventMetadata } from '@flotilla/event-store';
import { clustersProjection } from '@flotilla/projections';
import type { Pool } from 'pg';
import { PG_POOL } from '../infra/tokens';
import { FleetRuntime } from './fleet-runtime';
import { labelSelectorSql } from './label-selector.sql';

/** A row of the clusters read model. */
export interface ClusterRow {
  id: string;
  tenant: string;
  name: string;
  mode: 'agent' | 'kubeconfig';
  labels: Record<string, string>;
  facts: ClusterFacts;
  connectivity: Connectivity;
  connectivity_changed_at: Date;
  registered_at: Date;
  updated_at: Date;
  deregistered_at: Date | null;
  credential_expires_at: Date | null;
  version: number;
}

/** Filters of the clusters list, as validated GraphQL input. */
export interface ClusterQuery {
  tenants: string[];
  selector?: string;
  connectivity?: Connectivity[];
  mode?: 'agent' | 'kubeconfig';
  search?: string;
}

const COLUMNS = `id, tenant, name, mode, labels, facts, connectivity, connectivity_changed_at,
  registered_at, updated_at, deregistered_at, credential_expires_at, version`;

/** Cluster reads (read model) and admin commands (through the log). */
@Injectable()
export class ClusterService {
  private readonly table = liveTarget(clustersProjection).table('clusters');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly fleet: FleetRuntime,
  ) {}

  /** The live cluster with this id (deregistered ones too when asked), or null. */
  async get(id: string): Promise<ClusterRow | null> {
    const { rows } = await this.pool.query<ClusterRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** A page of live clusters ordered by tenant and name, after the `tenant/name` cursor. */
  async list(
    query: ClusterQuery,
    first: number,
    after?: string,
  ): Promise<{ rows: ClusterRow[]; totalCount: number }> {
    const { where, params } = this.where(query);
    const total = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.table} WHERE ${where}`,
      params,
    );
    const [afterTenant, afterName] = after ? splitCursor(after) : ['', ''];
    const n = params.length;
    const { rows } = await this.pool.query<ClusterRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE ${where} AND (tenant, name) > ($${n + 1}, $${n + 2})
       ORDER BY tenant, name LIMIT $${n + 3}`,
      [...params, afterTenant, afterName, first],
    );
    return { rows, totalCount: Number(total.rows[0]?.n ?? 0) };
  }

  /** Runs an admin command on a cluster and waits until reads (and the directory) see it. */
  async execute(id: string, command: ClusterCommand, metadata: EventMetadata): Promise<ClusterRow> {
    const result = await this.fleet.inventory.execute(id, command, metadata);
    if (result.position !== undefined) await this.fleet.settle(result.position);
    const row = await this.get(id);
    if (!row) throw new DomainError('NOT_FOUND', `cluster ${id} not found`);
    return row;
  }

  private where(query: ClusterQuery): { where: string; params: unknown[] } {
    const conditions = ['deregistered_at IS NULL', 'tenant = ANY($1::text[])'];
    const params: unknown[] = [query.tenants];
    if (query.selector !== undefined) {
      const s = labelSelectorSql(query.selector, 'labels', params.length + 1);
      conditions.push(s.sql);
      params.push(...s.params);
    }
    if (query.connectivity !== undefined) {
      params.push(query.connectivity);
      conditions.push(`connectivity = ANY($${params.length}::text[])`);
    }
    if (query.mode !== undefined) {
      params.push(query.mode);
      conditions.push(`mode = $${params.length}`);
    }
    if (query.search !== undefined && query.search !== '') {
      params.push(`%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      conditions.push(`name ILIKE $${params.length}`);
    }
    return { where: conditions.join(' AND '), params };
  }
}

function splitCursor(cursor: string): [string, string] {
  const i = cursor.indexOf('/');
  if (i <= 0) {
    throw new DomainError(
      'BAD_USER_INPUT',
      'after: must be a cursor returned by this connection',
      'after',
    );
  }
  return [cursor.slice(0, i), cursor.slice(i + 1)];
}
