import type { TenantEvent } from '@flotilla/domain';
import { assertNever } from '@flotilla/domain';
import type { Projection, ProjectionTarget } from '@flotilla/event-store';
import type { PoolClient } from 'pg';

/**
 * `tenants_v1`: one row per live tenant (deleted ones are removed), with its whole spec. Small
 * and read on every request that checks policy, so it is applied event by event.
 */
export const tenantsProjection: Projection<TenantEvent> = {
  name: 'tenants',
  version: 1,
  handles: ['TenantCreated', 'TenantUpdated', 'TenantRoleBindingsChanged', 'TenantDeleted'],
  tables: ['tenants'],
  async setup(tx: PoolClient, target: ProjectionTarget) {
    await tx.query(`CREATE TABLE IF NOT EXISTS ${target.table('tenants')} (
      name text PRIMARY KEY,
      spec jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      last_position bigint NOT NULL)`);
  },
  async apply(tx, events, target) {
    const table = target.table('tenants');
    for (const e of events) {
      const position = e.globalPosition.toString();
      switch (e.type) {
        case 'TenantCreated':
          await tx.query(
            `INSERT INTO ${table} (name, spec, created_at, updated_at, last_position) VALUES ($1, $2, $3, $3, $4)
             ON CONFLICT (name) DO UPDATE SET spec = EXCLUDED.spec, created_at = EXCLUDED.created_at,
               updated_at = EXCLUDED.updated_at, last_position = EXCLUDED.last_position`,
            [e.data.spec.name, JSON.stringify(e.data.spec), e.recordedAt, position],
          );
          break;
        case 'TenantUpdated':
          // The policy is replaced; the roles the row has stay.
          await tx.query(
            `UPDATE ${table} SET spec = $2::jsonb || jsonb_build_object('roles', spec->'roles'),
               updated_at = $3, last_position = $4 WHERE name = $1`,
            [e.data.spec.name, JSON.stringify(e.data.spec), e.recordedAt, position],
          );
          break;
        case 'TenantRoleBindingsChanged':
          await tx.query(
            `UPDATE ${table} SET spec = jsonb_set(spec, '{roles}', $2::jsonb), updated_at = $3, last_position = $4
             WHERE name = $1`,
            [e.data.name, JSON.stringify(e.data.roles), e.recordedAt, position],
          );
          break;
        case 'TenantDeleted':
          await tx.query(`DELETE FROM ${table} WHERE name = $1`, [e.data.name]);
          break;
        default:
          assertNever(e, 'tenant event');
      }
    }
  },
};
