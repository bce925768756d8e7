import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import {
  assertNever,
  DomainError,
  notificationRuleStream,
  type NotificationRuleEvent,
  type NotificationRuleSpec,
} from '@flotilla/domain';
import type { EventMetadata, EventStore, Queryable, StoredOf } from '@flotilla/event-store';
import { withTransaction } from '@flotilla/database';
import { NotificationSecretStore, type NotificationSealed } from '@flotilla/notifications';
import { SecretBox } from '@flotilla/secrets';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { isUuid } from '../application-sets/application-set.service';
import { EVENT_STORE, HUB_CONFIG, LOGGER, PG_POOL } from '../infra/tokens';
import { sameSpec } from './notification-rule-spec.rules';

/**
 * The most live rules a tenant may have: each is an endpoint the workers call for every matching
 * event, and `notificationRules` answers them in one list (small by this bound, so not paged).
 */
export const MAX_RULES_PER_TENANT = 200;
/** A rule as its stream says now (the mutations' answers) or as the read model has it. */
export interface NotificationRuleView {
  id: string;
  tenant: string;
  spec: NotificationRuleSpec;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

/** A rule folded from its stream, with the stream's version. */
export type NotificationRuleState =
  | { status: 'absent' }
  | { status: 'live' | 'deleted'; rule: NotificationRuleView; version: number };

/** Who is writing: the request's metadata, without the tenant (the rule's own is used). */
export type WriteMetadata = Omit<EventMetadata, 'tenantId'>;

/** NOT_FOUND for a rule, worded the same whether it is missing, deleted or hidden. */
export const notificationRuleNotFound = (id: string) =>
  new DomainError('NOT_FOUND', `notification rule ${id} not found`);

const STREAM_PREFIX = notificationRuleStream('');

/**
 * Notification rule commands against the log. Every write runs in one transaction holding the
 * tenant's rule lock: it re-reads the rule's stream, checks the name is free among the tenant's
 * live rules, appends, and stores or deletes the sealed signing secret, so the log and the
 * secrets never disagree and two writes can never both take one name. Answers are folded from
 * the stream as appended (read-your-writes: the worker builds the read model later).
 */
@Injectable()
export class NotificationRuleService {
  private readonly box: SecretBox;
  private readonly secrets: NotificationSecretStore;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore<NotificationRuleEvent>,
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.box = new SecretBox(config.SECRETS_KEYS);
    this.secrets = new NotificationSecretStore(pool, this.box);
  }

  /** Refuses writes that seal a secret when this hub has no key to seal it with. */
  requireSealing(): void {
    if (this.box.activeKeyId === undefined)
      throw new DomainError(
        'UNAVAILABLE',
        'this hub cannot store signing secrets: set SECRETS_KEYS (id:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32))',
      );
  }

  /** The rule folded from its stream (an id that is not a UUID names nothing). */
  async load(id: string, client?: Queryable): Promise<NotificationRuleState> {
    if (!isUuid(id)) return { status: 'absent' };
    const history = await this.store.readStream(notificationRuleStream(id), {
      ...(client ? { client } : {}),
    });
    return foldNotificationRule(id, history);
  }

  async create(
    tenant: string,
    spec: NotificationRuleSpec,
    sealed: NotificationSealed,
    metadata: WriteMetadata,
  ): Promise<NotificationRuleView> {
    const id = uuidv7();
    return this.write(tenant, id, async (client) => {
      await this.assertNameFree(client, tenant, spec.name, id);
      const { rows } = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM notification_secrets WHERE tenant = $1',
        [tenant],
      );
      if (Number(rows[0]?.n) >= MAX_RULES_PER_TENANT)
        throw new DomainError(
          'BAD_USER_INPUT',
          `input.tenant: tenant ${tenant} has ${MAX_RULES_PER_TENANT} notification rules, the most it may have; delete one first`,
          'input.tenant',
        );
      await this.append(client, id, 'no_stream', tenant, metadata, {
        type: 'NotificationRuleCreated',
        data: { tenant, ...spec },
      });
      await this.secrets.put(id, tenant, sealed, client);
      return { result: await this.live(client, id), event: 'NotificationRuleCreated' };
    });
  }

  /** Replaces the spec (and the sealed URL, when it moved); appends nothing when it is the same. */
  async update(
    id: string,
    tenant: string,
    spec: NotificationRuleSpec,
    url: string,
    metadata: WriteMetadata,
  ): Promise<NotificationRuleView> {
    return this.write(tenant, id, async (client) => {
      const { rule, version } = await this.current(client, id);
      if (sameSpec(rule.spec, spec)) return { result: rule, event: null };
      if (spec.name !== rule.spec.name) await this.assertNameFree(client, tenant, spec.name, id);
      await this.append(client, id, version, tenant, metadata, {
        type: 'NotificationRuleUpdated',
        data: spec,
      });
      if (spec.target.urlSha256 !== rule.spec.target.urlSha256)
        await this.secrets.put(
          id,
          tenant,
          { secret: await this.sealedSecret(client, id), url },
          client,
        );
      return { result: await this.live(client, id), event: 'NotificationRuleUpdated' };
    });
  }

  async rotateSecret(
    id: string,
    tenant: string,
    secret: string,
    metadata: WriteMetadata,
  ): Promise<NotificationRuleView> {
    return this.write(tenant, id, async (client) => {
      const { version } = await this.current(client, id);
      await this.append(client, id, version, tenant, metadata, {
        type: 'NotificationRuleSecretRotated',
        data: {},
      });
      const current = await this.secrets.get(id, client);
      if (!current) throw notificationRuleNotFound(id);
      await this.secrets.put(id, tenant, { secret, url: current.url }, client);
      return { result: await this.live(client, id), event: 'NotificationRuleSecretRotated' };
    });
  }

  async delete(id: string, tenant: string, metadata: WriteMetadata): Promise<void> {
    await this.write(tenant, id, async (client) => {
      const { version } = await this.current(client, id);
      await this.append(client, id, version, tenant, metadata, {
        type: 'NotificationRuleDeleted',
        data: {},
      });
      await this.secrets.delete(id, client);
      return { result: null, event: 'NotificationRuleDeleted' };
    });
  }

  /** Runs `change` in a transaction holding the tenant's rule lock; logs what it appended. */
  private async write<T>(
    tenant: string,
    id: string,
    change: (
      client: PoolClient,
    ) => Promise<{ result: T; event: NotificationRuleEvent['type'] | null }>,
  ): Promise<T> {
    const { result, event } = await withTransaction(this.pool, async (client) => {
      // Serialises rule writes per tenant: the name check below then sees every committed rule.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `notification-rules:${tenant}`,
      ]);
      return change(client);
    });
    if (event) this.logger.info({ tenant, rule: id, event }, 'notification rule changed');
    return result;
  }

  private async append(
    client: PoolClient,
    id: string,
    expected: 'no_stream' | number,
    tenant: string,
    metadata: WriteMetadata,
    event: NotificationRuleEvent,
  ): Promise<void> {
    await this.store.append(
      notificationRuleStream(id),
      expected,
      [event],
      { ...metadata, tenantId: tenant },
      { client },
    );
  }

  /** The live rule as the stream says inside the transaction (it may have gone meanwhile). */
  private async current(
    client: PoolClient,
    id: string,
  ): Promise<{ rule: NotificationRuleView; version: number }> {
    const state = await this.load(id, client);
    if (state.status !== 'live') throw notificationRuleNotFound(id);
    return state;
  }

  private async sealedSecret(client: PoolClient, id: string): Promise<string> {
    const current = await this.secrets.get(id, client);
    if (!current) throw notificationRuleNotFound(id);
    return current.secret;
  }

  private async live(client: PoolClient, id: string): Promise<NotificationRuleView> {
    return (await this.current(client, id)).rule;
  }

  /**
   * CONFLICT when another live rule of the tenant has `name`. A tenant's live rules are those
   * with a sealed secret (stored with `NotificationRuleCreated`, deleted with
   * `NotificationRuleDeleted`, in their transactions); their names are their streams' latest.
   * Neither lags, unlike the worker's read model.
   */
  private async assertNameFree(
    client: PoolClient,
    tenant: string,
    name: string,
    self: string,
  ): Promise<void> {
    const { rows } = await client.query(
      `SELECT 1 FROM (
         SELECT DISTINCT ON (e.stream_id) s.rule_id, e.data->>'name' AS name
           FROM notification_secrets s
           JOIN events e ON e.stream_id = $2 || s.rule_id::text
          WHERE s.tenant = $1 AND s.rule_id <> $4::uuid
            AND e.type IN ('NotificationRuleCreated', 'NotificationRuleUpdated')
          ORDER BY e.stream_id, e.stream_version DESC) r
        WHERE r.name = $3`,
      [tenant, STREAM_PREFIX, name, self],
    );
    if (rows.length > 0)
      throw new DomainError(
        'CONFLICT',
        `input.name: notification rule ${name} already exists in tenant ${tenant}`,
        'input.name',
      );
  }
}

/** Folds a rule's stream: who created it and when, its spec now, and who changed it last. */
export function foldNotificationRule(
  id: string,
  history: readonly StoredOf<NotificationRuleEvent>[],
): NotificationRuleState {
  return history.reduce<NotificationRuleState>((s, e) => evolve(id, s, e), { status: 'absent' });
}

function evolve(
  id: string,
  state: NotificationRuleState,
  event: StoredOf<NotificationRuleEvent>,
): NotificationRuleState {
  const at = { updatedAt: event.recordedAt, updatedBy: event.metadata.actor };
  const version = event.streamVersion;
  if (event.type === 'NotificationRuleCreated') {
    const { tenant, ...spec } = event.data;
    const made = { createdAt: event.recordedAt, createdBy: event.metadata.actor };
    return { status: 'live', rule: { id, tenant, spec, ...made, ...at }, version };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'NotificationRuleUpdated':
      return { ...state, rule: { ...state.rule, spec: event.data, ...at }, version };
    case 'NotificationRuleSecretRotated':
      return { ...state, rule: { ...state.rule, ...at }, version };
    case 'NotificationRuleDeleted':
      return { status: 'deleted', rule: { ...state.rule, ...at }, version };
    default:
      return assertNever(event, 'notification rule event');
  }
}
