import { assertNever, type RegistrationTokenEvent } from '@flotilla/domain';
import type { Projection, ProjectionTarget } from '@flotilla/event-store';
import type { PoolClient } from 'pg';

/** The registration token stream of an id, and back. */
export const registrationTokenStream = (id: string) => `registration-token-${id}`;
export const registrationTokenIdOf = (streamId: string) =>
  streamId.slice('registration-token-'.length);

/**
 * `registration_tokens_v1`: one row per token for listing (never the value; the hash is not
 * kept here either: registration finds a token by the id derived from its hash).
 */
export const registrationTokensProjection: Projection<RegistrationTokenEvent> = {
  name: 'registration-tokens',
  version: 1,
  handles: ['RegistrationTokenCreated', 'RegistrationTokenUsed', 'RegistrationTokenRevoked'],
  tables: ['registration_tokens'],
  async setup(tx: PoolClient, target: ProjectionTarget) {
    const table = target.table('registration_tokens');
    // Indexes are created with the table and left unnamed, so a rebuilt table swaps in cleanly.
    const exists = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (exists.rows[0]?.t) return;
    await tx.query(`CREATE TABLE ${table} (
      id text PRIMARY KEY,
      tenant text NOT NULL,
      expires_at timestamptz NOT NULL,
      max_uses integer NOT NULL,
      uses integer NOT NULL,
      labels jsonb NOT NULL,
      may_replace boolean NOT NULL,
      created_at timestamptz NOT NULL,
      created_by text NOT NULL,
      last_used_at timestamptz,
      revoked_at timestamptz,
      revoked_by text,
      last_position bigint NOT NULL)`);
    await tx.query(`CREATE INDEX ON ${table} (tenant, created_at)`);
  },
  async apply(tx, events, target) {
    const table = target.table('registration_tokens');
    for (const e of events) {
      const id = registrationTokenIdOf(e.streamId);
      const position = e.globalPosition.toString();
      switch (e.type) {
        case 'RegistrationTokenCreated': {
          const d = e.data;
          await tx.query(
            `INSERT INTO ${table} (id, tenant, expires_at, max_uses, uses, labels, may_replace,
               created_at, created_by, last_position)
             VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
            [
              id,
              d.tenant,
              d.expiresAt,
              d.maxUses,
              JSON.stringify(d.labels),
              d.mayReplace === true,
              e.recordedAt,
              e.metadata.actor,
              position,
            ],
          );
          break;
        }
        case 'RegistrationTokenUsed':
          await tx.query(
            `UPDATE ${table} SET uses = uses + 1, last_used_at = $2, last_position = $3 WHERE id = $1`,
            [id, e.recordedAt, position],
          );
          break;
        case 'RegistrationTokenRevoked':
          await tx.query(
            `UPDATE ${table} SET revoked_at = $2, revoked_by = $3, last_position = $4 WHERE id = $1`,
            [id, e.recordedAt, e.metadata.actor, position],
          );
          break;
        default:
          assertNever(e, 'registration token event');
      }
    }
  },
};
