import type { TenantRole } from '@flotilla/domain';
import { liveTarget } from '@flotilla/event-store';
import { tenantsProjection } from '@flotilla/projections';
import type { Pool } from 'pg';
import type { PolicySource } from '../authz/policy-provider';
import type { PolicyVersion } from '../authz/policy-version';

/**
 * Built-in tenant roles: a role named admin, deployer or viewer gets these policies besides its
 * own. Subjects are Argo CD's project-role subjects, `proj:<tenant>:<role>`.
 */
const BUILTIN_ROLE_POLICIES: Record<string, (t: string) => [string, string, string][]> = {
  admin: (t) => [
    ['*', '*', `${t}/*`],
    ['tenants', 'get', t],
    ['tenants', 'bind', t],
    ['audit', 'get', t],
    ['tokens', '*', t],
  ],
  deployer: (t) => [
    ['applications', '*', `${t}/*`],
    ['applicationsets', '*', `${t}/*`],
    ['rollouts', '*', `${t}/*`],
    ['clusters', 'get', `${t}/*`],
    ['tenants', 'get', t],
  ],
  viewer: (t) => [
    ['*', 'get', `${t}/*`],
    ['tenants', 'get', t],
  ],
};

/** The policy lines one tenant contributes: built-in role policies, its own, group bindings. */
export function tenantPolicyLines(tenant: string, roles: readonly TenantRole[]): string[] {
  const lines: string[] = [];
  for (const role of roles) {
    const subject = `proj:${tenant}:${role.name}`;
    for (const [res, act, obj] of BUILTIN_ROLE_POLICIES[role.name]?.(tenant) ?? []) {
      lines.push(`p, ${subject}, ${res}, ${act}, ${obj}, allow`);
    }
    lines.push(
      ...role.policies.map((p) =>
        p
          .split(',')
          .map((f) => f.trim())
          .join(', '),
      ),
    );
    lines.push(...role.groups.map((g) => `g, ${g}, ${subject}`));
  }
  return lines;
}

/** Every tenant's policy, re-read whenever the tenants projection moves. */
export function tenantPolicySource(pool: Pool, version: PolicyVersion): PolicySource {
  const table = liveTarget(tenantsProjection).table('tenants');
  return {
    version: () => version.current(),
    lines: async () => {
      const exists = await pool.query(`SELECT to_regclass($1) AS t`, [table]);
      if (!exists.rows[0]?.t) return [];
      const { rows } = await pool.query<{ name: string; roles: TenantRole[] }>(
        `SELECT name, spec->'roles' AS roles FROM ${table}`,
      );
      return rows.map((r) => ({ tenant: r.name, lines: tenantPolicyLines(r.name, r.roles ?? []) }));
    },
  };
}
