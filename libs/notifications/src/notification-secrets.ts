import type { SecretBox } from '@flotilla/secrets';
import type { Pool, PoolClient } from 'pg';

/** The context a rule's signing secret is sealed for: an envelope opens for its own rule only. */
export const notificationSecretContext = (ruleId: string) => `notification-rule/${ruleId}/secret`;

/** Rules' signing secrets, sealed at rest (`notification_secrets`), never in the event log. */
export class NotificationSecretStore {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
  ) {}

  /** Stores (or replaces) a rule's secret, in the caller's transaction when given one. */
  async put(ruleId: string, tenant: string, secret: string, client?: PoolClient): Promise<void> {
    const sealed = this.box.seal(secret, notificationSecretContext(ruleId));
    await (client ?? this.pool).query(
      `INSERT INTO notification_secrets (rule_id, tenant, sealed, key_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (rule_id) DO UPDATE
         SET sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id, updated_at = now()`,
      [ruleId, tenant, sealed, this.box.keyIdOf(sealed)],
    );
  }

  /** A rule's secret, or null when it has none (a deleted rule). */
  async get(ruleId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ sealed: string }>(
      'SELECT sealed FROM notification_secrets WHERE rule_id = $1',
      [ruleId],
    );
    const sealed = rows[0]?.sealed;
    return sealed === undefined ? null : this.box.open(sealed, notificationSecretContext(ruleId));
  }

  async delete(ruleId: string, client?: PoolClient): Promise<void> {
    await (client ?? this.pool).query('DELETE FROM notification_secrets WHERE rule_id = $1', [
      ruleId,
    ]);
  }
}
