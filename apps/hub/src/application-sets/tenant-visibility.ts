import type { authzOf } from '../graphql/request-context';
import type { TenantService } from '../tenants/tenant.service';

/** The caller's RBAC decisions. */
export type Authz = ReturnType<typeof authzOf>;

/**
 * The tenants in which the caller may `get` some `resource` (all of them, or only `only`): lists
 * query those tenants only, so nothing of another tenant is even counted.
 */
export async function visibleTenants(
  tenants: TenantService,
  authz: Authz,
  resource: 'applicationsets' | 'applications',
  only?: string,
): Promise<string[]> {
  const all = await tenants.list((name) => authz.can(resource, 'get', `${name}/*`));
  const names = all.map((t) => t.spec.name);
  return only === undefined ? names : names.filter((n) => n === only);
}
