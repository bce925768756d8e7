import type { SecretBox } from '@flotilla/secrets';
import type { Pool, PoolClient } from 'pg';

/** The context a rule's signing secret is sealed for: an envelope opens for its own rule only. */
export const notificationSecretContext = (ruleId: string) => `notification-rule/${ruleId}/secret`;

/** What is sealed for a rule: its signing secret and its endpoint URL. */
export interface NotificationSealed {
  secret: string;
  url: string;
}

/**
 * Rules' signing secrets and endpoint URLs, sealed together at rest (`notification_secrets`),
 * never in the event log.
 */
export class NotificationSecretStore {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
  ) {}

  /** Stores (or replaces) a rule's secret and URL, in the caller's transaction when given one. */
  async put(
    ruleId: string,
    tenant: string,
    value: NotificationSealed,
    client?: PoolClient,
  ): Promise<void> {
    const plain = JSON.stringify({ secret: value.secret, url: value.url });
    const sealed = this.box.seal(plain, notificationSecretContext(ruleId));
    await (client ?? this.pool).query(
      `INSERT INTO notification_secrets (rule_id, tenant, sealed, key_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (rule_id) DO UPDATE
         SET sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id, updated_at = now()`,
      [ruleId, tenant, sealed, this.box.keyIdOf(sealed)],
    );
  }

  /** A rule's secret and URL, or null when it has none (a deleted rule). */
  async get(ruleId: string, client?: PoolClient): Promise<NotificationSealed | null> {
    const { rows } = await (client ?? this.pool).query<{ sealed: string }>(
      'SELECT sealed FROM notification_secrets WHERE rule_id = $1',
      [ruleId],
    );
    const sealed = rows[0]?.sealed;
    if (sealed === undefined) return null;
    return JSON.parse(
      this.box.open(sealed, notificationSecretContext(ruleId)),
    ) as NotificationSealed;
  }

  async delete(ruleId: string, client?: PoolClient): Promise<void> {
    await (client ?? this.pool).query('DELETE FROM notification_secrets WHERE rule_id = $1', [
      ruleId,
    ]);
  }
}
