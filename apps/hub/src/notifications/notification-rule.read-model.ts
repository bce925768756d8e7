import { Inject, Injectable } from '@nestjs/common';
import { NOTIFICATION_RULES_TABLE, type NotificationRuleRecord } from '@flotilla/notifications';
import type { Pool } from 'pg';
import { PG_POOL } from '../infra/tokens';
import type { NotificationRuleView } from './notification-rule.service';

/** A row of `notification_deliveries`, with the subject's names. */
export interface NotificationDeliveryRow {
  id: string;
  rule_id: string;
  tenant: string;
  event_id: string;
  event_type: string;
  global_position: string;
  state: 'Pending' | 'Delivered' | 'Failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  cluster_name: string | null;
  application_set_name: string | null;
  application_name: string | null;
}

/** Where a page of deliveries starts: after this (position, id), newest first. */
export interface DeliveryCursor {
  position: bigint;
  id: string;
}

interface RuleRecord extends NotificationRuleRecord {
  target_url_sha256: string;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
}

const RULE_COLUMNS = `id, tenant, name, event_types, cluster_selector, application_sets, health,
  target_kind, target_url, target_url_sha256, created_at, created_by, updated_at, updated_by`;

const DELIVERY_COLUMNS = `d.id, d.rule_id, d.tenant, d.event_id, d.event_type,
  d.global_position::text AS global_position, d.state, d.attempts, d.last_status, d.last_error,
  d.created_at, d.last_attempt_at, d.delivered_at,
  d.subject->'cluster'->>'name' AS cluster_name,
  d.subject->'applicationSet'->>'name' AS application_set_name,
  d.subject->'application'->>'name' AS application_name`;

/**
 * Reads of the rules the worker's dispatcher projection keeps (`notification_rules_v<n>`; absent
 * until a worker has started) and of `notification_deliveries`. One statement per list.
 */
@Injectable()
export class NotificationRuleReadModel {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The live rules of a tenant, by name. */
  async rules(tenant: string): Promise<NotificationRuleView[]> {
    const rows = await this.rulesWhere('tenant = $1 ORDER BY name', [tenant]);
    return rows.map(toView);
  }

  /** One live rule, or null. */
  async rule(id: string): Promise<NotificationRuleView | null> {
    const [row] = await this.rulesWhere('id = $1', [id]);
    return row ? toView(row) : null;
  }

  /**
   * Up to `limit` deliveries of each rule (newest event first, after `after`), in one statement:
   * the `deliveries` field of a list of rules.
   */
  async deliveriesOfRules(
    ruleIds: readonly string[],
    filter: { state?: string; after?: DeliveryCursor },
    limit: number,
  ): Promise<Map<string, NotificationDeliveryRow[]>> {
    const ids = [...new Set(ruleIds)];
    const { rows } = await this.pool.query<NotificationDeliveryRow>(
      `SELECT * FROM (
         SELECT ${DELIVERY_COLUMNS}, row_number() OVER (
                  PARTITION BY d.rule_id ORDER BY d.global_position DESC, d.id DESC) AS rn
           FROM notification_deliveries d
          WHERE d.rule_id = ANY($1::uuid[])
            AND ($2::text IS NULL OR d.state = $2)
            AND ($3::bigint IS NULL OR (d.global_position, d.id) < ($3::bigint, $4::uuid))) q
        WHERE rn <= $5 ORDER BY rule_id, global_position DESC, id DESC`,
      [
        ids,
        filter.state ?? null,
        filter.after?.position.toString() ?? null,
        filter.after?.id ?? null,
        limit,
      ],
    );
    const out = new Map(ids.map((id) => [id, [] as NotificationDeliveryRow[]]));
    for (const row of rows) out.get(row.rule_id)?.push(row);
    return out;
  }

  /** Up to `limit` deliveries of a tenant (of one rule of it, when given), newest event first. */
  async deliveries(
    filter: { tenant: string; ruleId?: string; state?: string; after?: DeliveryCursor },
    limit: number,
  ): Promise<NotificationDeliveryRow[]> {
    const { rows } = await this.pool.query<NotificationDeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries d
        WHERE d.tenant = $1
          AND ($2::uuid IS NULL OR d.rule_id = $2)
          AND ($3::text IS NULL OR d.state = $3)
          AND ($4::bigint IS NULL OR (d.global_position, d.id) < ($4::bigint, $5::uuid))
        ORDER BY d.global_position DESC, d.id DESC LIMIT $6`,
      [
        filter.tenant,
        filter.ruleId ?? null,
        filter.state ?? null,
        filter.after?.position.toString() ?? null,
        filter.after?.id ?? null,
        limit,
      ],
    );
    return rows;
  }

  private async rulesWhere(where: string, params: unknown[]): Promise<RuleRecord[]> {
    try {
      const { rows } = await this.pool.query<RuleRecord>(
        `SELECT ${RULE_COLUMNS} FROM ${NOTIFICATION_RULES_TABLE} WHERE NOT deleted AND ${where}`,
        params,
      );
      return rows;
    } catch (error) {
      // No worker has created the read model yet: there is nothing to read.
      if ((error as { code?: unknown }).code === '42P01') return [];
      throw error;
    }
  }
}

function toView(r: RuleRecord): NotificationRuleView {
  return {
    id: r.id,
    tenant: r.tenant,
    spec: {
      name: r.name,
      eventTypes: r.event_types,
      clusterSelector: r.cluster_selector,
      applicationSets: r.application_sets,
      health: r.health,
      target: { kind: r.target_kind, url: r.target_url, urlSha256: r.target_url_sha256 },
    },
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}
