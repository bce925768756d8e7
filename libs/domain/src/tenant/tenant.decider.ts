import { assertNever, DomainError } from '../domain-error';
import type { TenantEvent } from './tenant.events';
import {
  parseTenantSpec,
  type TenantRole,
  type TenantSpec,
  type TenantSpecInput,
} from './tenant-spec.schema';

/** A tenant's state as folded from its stream. A deleted tenant's name may be created again. */
export type TenantState =
  | { status: 'absent' }
  | { status: 'active'; spec: TenantSpec }
  | { status: 'deleted'; name: string };

/** The state of a stream with no events. */
export const initialTenantState: TenantState = { status: 'absent' };

/** What `DeleteTenant` needs to know, looked up before deciding (deciders do no I/O). */
export interface TenantOwnership {
  clusters: number;
  applications: number;
}

/** Tenant commands. Specs arrive as submitted: `decide` validates them. */
export type TenantCommand =
  | { type: 'CreateTenant'; data: { spec: TenantSpecInput } }
  | { type: 'UpdateTenant'; data: { spec: TenantSpecInput } }
  | { type: 'SetTenantRoleBindings'; data: { name: string; roles: TenantSpecInput['roles'] } }
  | { type: 'DeleteTenant'; data: { name: string; owned: TenantOwnership } };

/** What deciding may depend on besides state; nothing in it is read yet, but the clock is injected. */
export interface TenantDecideContext {
  now: Date;
}

// Order-insensitive for object keys (matchLabels from different clients), sensitive for arrays.
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

function ownershipMessage(name: string, owned: TenantOwnership): string | undefined {
  const parts = [
    ...(owned.clusters > 0 ? [plural(owned.clusters, 'cluster')] : []),
    ...(owned.applications > 0 ? [plural(owned.applications, 'application')] : []),
  ];
  if (parts.length === 0) return undefined;
  return `tenant ${name} still owns ${parts.join(' and ')}; deregister or move them first`;
}

function requireActive(state: TenantState, name: string): TenantSpec {
  switch (state.status) {
    case 'active':
      return state.spec;
    case 'absent':
      throw new DomainError('NOT_FOUND', `tenant ${name} does not exist`);
    case 'deleted':
      throw new DomainError('NOT_FOUND', `tenant ${name} was deleted`);
    default:
      return assertNever(state, 'tenant state');
  }
}

function rolesChanged(current: TenantSpec, roles: TenantRole[]): TenantEvent[] {
  return sameValue(current.roles, roles)
    ? []
    : [{ type: 'TenantRoleBindingsChanged', data: { name: current.name, roles } }];
}

function decideUpdate(input: TenantSpecInput, state: TenantState): TenantEvent[] {
  const spec = parseTenantSpec(input);
  const current = requireActive(state, spec.name);
  if (spec.name !== current.name) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `name: a tenant cannot be renamed (${current.name} to ${spec.name})`,
      'name',
    );
  }
  const { roles, ...policy } = spec;
  const { roles: _currentRoles, ...currentPolicy } = current;
  const events: TenantEvent[] = sameValue(currentPolicy, policy)
    ? []
    : [{ type: 'TenantUpdated', data: { spec: policy } }];
  return [...events, ...rolesChanged(current, roles)];
}

/**
 * Decides which events a tenant command produces: pure, no I/O. Throws `DomainError`:
 * BAD_USER_INPUT (invalid spec, naming the field), CONFLICT (creating an existing tenant,
 * deleting one that still owns clusters or applications), NOT_FOUND (changing a missing or
 * deleted tenant). A change that changes nothing produces no events.
 */
export function decide(
  command: TenantCommand,
  state: TenantState,
  _ctx: TenantDecideContext,
): TenantEvent[] {
  switch (command.type) {
    case 'CreateTenant': {
      const spec = parseTenantSpec(command.data.spec);
      if (state.status === 'active')
        throw new DomainError('CONFLICT', `tenant ${spec.name} already exists`);
      return [{ type: 'TenantCreated', data: { spec } }];
    }
    case 'UpdateTenant':
      return decideUpdate(command.data.spec, state);
    case 'SetTenantRoleBindings': {
      const current = requireActive(state, command.data.name);
      // Validated against the whole spec: policies must name this tenant and role.
      const { roles } = parseTenantSpec({ ...current, roles: command.data.roles });
      return rolesChanged(current, roles);
    }
    case 'DeleteTenant': {
      const current = requireActive(state, command.data.name);
      const owns = ownershipMessage(current.name, command.data.owned);
      if (owns) throw new DomainError('CONFLICT', owns);
      return [{ type: 'TenantDeleted', data: { name: current.name } }];
    }
    default:
      return assertNever(command, 'tenant command');
  }
}

/** Folds one tenant event into the state. */
export function evolve(state: TenantState, event: TenantEvent): TenantState {
  switch (event.type) {
    case 'TenantCreated':
      return { status: 'active', spec: event.data.spec };
    case 'TenantUpdated':
      return {
        status: 'active',
        spec: { ...event.data.spec, roles: state.status === 'active' ? state.spec.roles : [] },
      };
    case 'TenantRoleBindingsChanged':
      return state.status === 'active'
        ? { status: 'active', spec: { ...state.spec, roles: event.data.roles } }
        : state;
    case 'TenantDeleted':
      return { status: 'deleted', name: event.data.name };
    default:
      return assertNever(event, 'tenant event');
  }
}
