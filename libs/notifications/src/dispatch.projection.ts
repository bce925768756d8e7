import {
  deliveryApplicationIdOf,
  notificationRuleIdOf,
  type HealthStatusCodeValue,
  type LabelSelector,
} from '@flotilla/domain';
import {
  liveTarget,
  type Projection,
  type ProjectionTarget,
  type StoredEvent,
} from '@flotilla/event-store';
import {
  applicationIdOf,
  applicationSetIdOf,
  clusterIdOf,
  FLOTILLA_EVENT_TYPES,
  type FlotillaEvent,
} from '@flotilla/projections';
import type { PoolClient } from 'pg';
import { v5 as uuidv5 } from 'uuid';
import { ruleMatches, type NotificationRuleRow, type NotificationSubject } from './rule-match';

/** v1: rules, and what events are about (clusters, ApplicationSets, Applications). */
export const NOTIFICATION_DISPATCH_VERSION = 1;
const DELIVERY_ID_NAMESPACE = '6f0b9c1e-3f0e-4d8a-9a51-2f3c8f7e4b21';

/** The id of the delivery of event `eventId` by rule `ruleId`: the same on every replay. */
export const notificationDeliveryId = (ruleId: string, eventId: string): string =>
  uuidv5(`${ruleId}/${eventId}`, DELIVERY_ID_NAMESPACE);

/** The rules read model (the hub serves it): `notification_rules_v<version>`. */
export const NOTIFICATION_RULES_TABLE = liveTarget({
  version: NOTIFICATION_DISPATCH_VERSION,
}).table('notification_rules');

/** Event types a rule may select: every type the log holds except the rules' own. */
export const NOTIFIABLE_EVENT_TYPES: readonly string[] = FLOTILLA_EVENT_TYPES.filter(
  (t) => !t.startsWith('NotificationRule'),
);

export interface NotificationDispatchOptions {
  /** Queues the sending of new deliveries (a duplicate is a no-op); a failure retries the batch. */
  enqueue(deliveryIds: readonly string[]): Promise<void>;
  /** Events older than this when dispatched are not sent (a rebuild must not page for the past). */
  maxEventAgeMs: number;
  now(): Date;
}

/** A row of {@link NOTIFICATION_RULES_TABLE} (the rule's columns; the hub reads the rest too). */
export interface NotificationRuleRecord {
  id: string;
  tenant: string;
  name: string;
  event_types: string[];
  cluster_selector: LabelSelector | null;
  application_sets: string[];
  health: HealthStatusCodeValue[];
  target_kind: 'Webhook' | 'Slack';
  target_url: string;
}

type Stored = StoredEvent<FlotillaEvent['type'], unknown>;
type Data = Record<string, unknown>;

/**
 * `notification_dispatch`: reads the whole log in order, keeps the rules and what events are
 * about (each cluster's name and labels, each ApplicationSet's name, each Application's
 * ApplicationSet and cluster) as the log said at that point, and for every event a rule of its
 * tenant selects, records a delivery (`notification_deliveries`, id derived from rule and event,
 * so a replayed batch records nothing twice) and queues it. Matching at the event's place in the
 * log means a rule created later is not sent earlier events, and a cluster relabelled later is
 * matched with the labels it had.
 */
export function notificationDispatchProjection(
  options: NotificationDispatchOptions,
): Projection<FlotillaEvent> {
  return {
    name: 'notification_dispatch',
    version: NOTIFICATION_DISPATCH_VERSION,
    handles: FLOTILLA_EVENT_TYPES,
    tables: [
      'notification_rules',
      'notification_clusters',
      'notification_sets',
      'notification_apps',
    ],
    async setup(tx: PoolClient, target: ProjectionTarget) {
      const rules = target.table('notification_rules');
      const exists = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [rules]);
      if (exists.rows[0]?.t) return;
      await tx.query(`CREATE TABLE ${rules} (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        name text NOT NULL,
        event_types text[] NOT NULL,
        cluster_selector jsonb,
        application_sets text[] NOT NULL,
        health text[] NOT NULL,
        target_kind text NOT NULL,
        target_url text NOT NULL,
        target_url_sha256 text NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL)`);
      await tx.query(`CREATE INDEX ON ${rules} (tenant) WHERE NOT deleted`);
      await tx.query(`CREATE TABLE ${target.table('notification_clusters')} (
        cluster_id text PRIMARY KEY,
        name text NOT NULL,
        labels jsonb NOT NULL)`);
      await tx.query(`CREATE TABLE ${target.table('notification_sets')} (
        application_set_id uuid PRIMARY KEY,
        name text NOT NULL)`);
      await tx.query(`CREATE TABLE ${target.table('notification_apps')} (
        application_id uuid PRIMARY KEY,
        application_set_id uuid NOT NULL,
        cluster_id text NOT NULL,
        name text NOT NULL)`);
    },
    async apply(tx, events, target) {
      const batch = new Batch(tx, target);
      const queued: string[] = [];
      const oldest = options.now().getTime() - options.maxEventAgeMs;
      for (const event of events as Stored[]) {
        await batch.follow(event);
        const tenant = event.metadata.tenantId ?? tenantOf(event);
        if (!tenant || event.type.startsWith('NotificationRule')) continue;
        if (event.recordedAt.getTime() < oldest) continue;
        // Only rules that name this event type need what it is about (up to three lookups).
        const rules = (await batch.rules(tenant)).filter((r) => r.eventTypes.includes(event.type));
        if (rules.length === 0) continue;
        const subject = await batch.subject(event);
        const matched = rules.filter((r) => ruleMatches(r, event, subject));
        if (matched.length === 0) continue;
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO notification_deliveries
             (id, rule_id, tenant, event_id, event_type, global_position, subject)
           SELECT d.id, d.rule_id, $2, $3, $4, $5, $6
             FROM unnest($1::uuid[], $7::uuid[]) AS d(id, rule_id)
           ON CONFLICT DO NOTHING RETURNING id`,
          [
            matched.map((r) => notificationDeliveryId(r.id, event.eventId)),
            tenant,
            event.eventId,
            event.type,
            event.globalPosition.toString(),
            JSON.stringify(subject),
            matched.map((r) => r.id),
          ],
        );
        queued.push(...rows.map((r) => r.id));
      }
      if (queued.length > 0) await options.enqueue(queued);
    },
  };
}

function tenantOf(event: Stored): string | undefined {
  const tenant = (event.data as Data | null)?.['tenant'];
  return typeof tenant === 'string' ? tenant : undefined;
}

/** One batch's view of the projection's tables, cached and kept current as events apply. */
class Batch {
  private readonly rulesByTenant = new Map<string, NotificationRuleRow[]>();
  private readonly clusters = new Map<string, NotificationSubject['cluster']>();
  private readonly sets = new Map<string, string | null>();
  private readonly rollouts = new Map<string, string | null>();
  private readonly apps = new Map<
    string,
    { setId: string; clusterId: string; name: string } | null
  >();
  private readonly t: Record<'rules' | 'clusters' | 'sets' | 'apps', string>;

  constructor(
    private readonly tx: PoolClient,
    target: ProjectionTarget,
  ) {
    this.t = {
      rules: target.table('notification_rules'),
      clusters: target.table('notification_clusters'),
      sets: target.table('notification_sets'),
      apps: target.table('notification_apps'),
    };
  }

  /** Applies what the event says about rules, clusters, ApplicationSets and Applications. */
  async follow(event: Stored): Promise<void> {
    const data = event.data as Data;
    const at = event.recordedAt.toISOString();
    const actor = event.metadata.actor;
    switch (event.type) {
      case 'NotificationRuleCreated':
      case 'NotificationRuleUpdated': {
        const id = notificationRuleIdOf(event.streamId);
        const values = [
          id,
          data['name'],
          data['eventTypes'],
          data['clusterSelector'] === null ? null : JSON.stringify(data['clusterSelector']),
          data['applicationSets'],
          data['health'],
          (data['target'] as Data)['kind'],
          (data['target'] as Data)['url'],
          at,
          actor,
          (data['target'] as Data)['urlSha256'],
        ];
        if (event.type === 'NotificationRuleCreated')
          await this.tx.query(
            `INSERT INTO ${this.t.rules} (id, name, event_types, cluster_selector, application_sets,
               health, target_kind, target_url, created_at, created_by, updated_at, updated_by,
               target_url_sha256, tenant)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $10, $11, $12)
             ON CONFLICT (id) DO NOTHING`,
            [...values, data['tenant']],
          );
        else
          await this.tx.query(
            `UPDATE ${this.t.rules} SET name = $2, event_types = $3, cluster_selector = $4,
               application_sets = $5, health = $6, target_kind = $7, target_url = $8,
               updated_at = $9, updated_by = $10, target_url_sha256 = $11 WHERE id = $1`,
            values,
          );
        this.rulesByTenant.clear();
        return;
      }
      case 'NotificationRuleSecretRotated':
      case 'NotificationRuleDeleted':
        await this.tx.query(
          `UPDATE ${this.t.rules} SET updated_at = $2, updated_by = $3,
             deleted = deleted OR $4 WHERE id = $1`,
          [
            notificationRuleIdOf(event.streamId),
            at,
            actor,
            event.type === 'NotificationRuleDeleted',
          ],
        );
        this.rulesByTenant.clear();
        return;
      case 'ClusterRegistered':
        await this.tx.query(
          `INSERT INTO ${this.t.clusters} (cluster_id, name, labels) VALUES ($1, $2, $3)
           ON CONFLICT (cluster_id) DO UPDATE SET name = EXCLUDED.name, labels = EXCLUDED.labels`,
          [clusterIdOf(event.streamId), data['name'], JSON.stringify(data['labels'] ?? {})],
        );
        this.clusters.delete(clusterIdOf(event.streamId));
        return;
      case 'ClusterLabelsChanged':
        await this.tx.query(`UPDATE ${this.t.clusters} SET labels = $2 WHERE cluster_id = $1`, [
          clusterIdOf(event.streamId),
          JSON.stringify(data['labels'] ?? {}),
        ]);
        this.clusters.delete(clusterIdOf(event.streamId));
        return;
      case 'ApplicationSetCreated':
        await this.tx.query(
          `INSERT INTO ${this.t.sets} (application_set_id, name) VALUES ($1, $2)
           ON CONFLICT (application_set_id) DO NOTHING`,
          [applicationSetIdOf(event.streamId), data['name']],
        );
        return;
      case 'ApplicationCreated':
        await this.tx.query(
          `INSERT INTO ${this.t.apps} (application_id, application_set_id, cluster_id, name)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (application_id) DO UPDATE SET cluster_id = EXCLUDED.cluster_id`,
          [
            applicationIdOf(event.streamId),
            data['applicationSetId'],
            data['clusterId'],
            data['name'],
          ],
        );
        this.apps.delete(applicationIdOf(event.streamId));
        return;
      case 'ApplicationUpdated':
        await this.tx.query(`UPDATE ${this.t.apps} SET cluster_id = $2 WHERE application_id = $1`, [
          applicationIdOf(event.streamId),
          data['clusterId'],
        ]);
        this.apps.delete(applicationIdOf(event.streamId));
        return;
      default:
        return;
    }
  }

  async rules(tenant: string): Promise<NotificationRuleRow[]> {
    const cached = this.rulesByTenant.get(tenant);
    if (cached) return cached;
    const { rows } = await this.tx.query<NotificationRuleRecord>(
      `SELECT id, tenant, name, event_types, cluster_selector, application_sets, health,
              target_kind, target_url
         FROM ${this.t.rules} WHERE tenant = $1 AND NOT deleted`,
      [tenant],
    );
    const rules = rows.map((r): NotificationRuleRow => ({
      id: r.id,
      tenant: r.tenant,
      name: r.name,
      eventTypes: r.event_types,
      clusterSelector: r.cluster_selector,
      applicationSets: r.application_sets,
      health: r.health,
      targetKind: r.target_kind,
      targetUrl: r.target_url,
    }));
    this.rulesByTenant.set(tenant, rules);
    return rules;
  }

  /** What the event is about: its cluster, ApplicationSet and Application, where it has them. */
  async subject(event: Stored): Promise<NotificationSubject> {
    const data = event.data as Data;
    const stream = event.streamId;
    let appId: string | undefined;
    let setId: string | undefined;
    let clusterId: string | undefined;
    if (stream.startsWith('delivery-')) appId = deliveryApplicationIdOf(stream);
    else if (stream.startsWith('application-')) appId = applicationIdOf(stream);
    else if (stream.startsWith('applicationset-')) setId = applicationSetIdOf(stream);
    else if (stream.startsWith('cluster-')) clusterId = clusterIdOf(stream);
    else if (stream.startsWith('rollout-')) setId = (await this.rolloutSet(stream)) ?? undefined;
    let application: NotificationSubject['application'] = null;
    if (appId) {
      const app = await this.app(appId);
      if (app) {
        application = { id: appId, name: app.name };
        setId = app.setId;
        clusterId = app.clusterId;
      }
    }
    if (typeof data['clusterId'] === 'string') clusterId = data['clusterId'];
    const setName = setId ? await this.setName(setId) : null;
    return {
      cluster: clusterId ? await this.cluster(clusterId) : null,
      applicationSet: setId && setName ? { id: setId, name: setName } : null,
      application,
    };
  }

  private async cluster(id: string): Promise<NotificationSubject['cluster']> {
    if (this.clusters.has(id)) return this.clusters.get(id) ?? null;
    const { rows } = await this.tx.query<{ name: string; labels: Record<string, string> }>(
      `SELECT name, labels FROM ${this.t.clusters} WHERE cluster_id = $1`,
      [id],
    );
    const row = rows[0];
    const cluster = row ? { id, name: row.name, labels: row.labels } : null;
    this.clusters.set(id, cluster);
    return cluster;
  }

  /** The ApplicationSet of a rollout: its first event (`RolloutStarted`) names it, in the log. */
  private async rolloutSet(stream: string): Promise<string | null> {
    if (this.rollouts.has(stream)) return this.rollouts.get(stream) ?? null;
    const { rows } = await this.tx.query<{ id: string | null }>(
      `SELECT data->>'applicationSetId' AS id FROM events
        WHERE stream_id = $1 AND stream_version = 1 AND type = 'RolloutStarted'`,
      [stream],
    );
    const id = rows[0]?.id ?? null;
    this.rollouts.set(stream, id);
    return id;
  }

  private async setName(id: string): Promise<string | null> {
    if (this.sets.has(id)) return this.sets.get(id) ?? null;
    const { rows } = await this.tx.query<{ name: string }>(
      `SELECT name FROM ${this.t.sets} WHERE application_set_id = $1`,
      [id],
    );
    const name = rows[0]?.name ?? null;
    this.sets.set(id, name);
    return name;
  }

  private async app(
    id: string,
  ): Promise<{ setId: string; clusterId: string; name: string } | null> {
    if (this.apps.has(id)) return this.apps.get(id) ?? null;
    const { rows } = await this.tx.query<{
      application_set_id: string;
      cluster_id: string;
      name: string;
    }>(
      `SELECT application_set_id, cluster_id, name FROM ${this.t.apps} WHERE application_id = $1`,
      [id],
    );
    const row = rows[0];
    const app = row
      ? { setId: row.application_set_id, clusterId: row.cluster_id, name: row.name }
      : null;
    this.apps.set(id, app);
    return app;
  }
}
