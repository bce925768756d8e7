import { DomainError } from '../domain-error';
import { hashToken } from '../registration-token/token-value';
import { decide, evolve, initialClusterState, type ClusterState } from './cluster.decider';
import type { ClusterCommand, RegisterClusterInput } from './cluster.commands';
import { clusterEventSchemas, type ClusterEvent } from './cluster.events';
import type { ClusterFacts } from './cluster.schema';

/** The instant cluster tests start at; `at(s)` is `s` seconds later. */
export const T0 = new Date('2024-05-01T12:00:00Z');
/** `T0` plus `seconds`. */
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
/** A day in seconds. */
export const DAY = 24 * 3600;

/** Credential hashes for tests. */
export const HASH_A = hashToken('flt_cls_a');
export const HASH_B = hashToken('flt_cls_b');
export const HASH_C = hashToken('flt_cls_c');

/** Facts an agent on a small cluster reports. */
export const FACTS: ClusterFacts = {
  kubernetesVersion: 'v1.29.3',
  nodeCount: 3,
  allocatableCpuMillicores: 12_000,
  allocatableMemoryBytes: 48 * 1024 ** 3,
  agentVersion: '0.4.0',
};

/** A valid agent registration with a token labelled region=eu; `over` replaces fields. */
export const registerInput = (over: Partial<RegisterClusterInput> = {}): RegisterClusterInput => ({
  tenant: 'team-a',
  name: 'prod-eu-1',
  mode: 'agent',
  labels: { env: 'prod' },
  facts: FACTS,
  credentialHash: HASH_A,
  token: { id: 'tok-1', labels: { region: 'eu' }, mayReplace: false },
  nameTaken: false,
  ...over,
});

/** The event {@link registerInput} produces at `T0`. */
export const REGISTERED = {
  type: 'ClusterRegistered',
  data: {
    tenant: 'team-a',
    name: 'prod-eu-1',
    mode: 'agent',
    labels: { env: 'prod', region: 'eu' },
    facts: FACTS,
    credentialHash: HASH_A,
    credentialExpiresAt: at(30 * DAY).toISOString(),
    registrationTokenId: 'tok-1',
  },
} as const satisfies ClusterEvent;

/** The state after `events`. */
export const given = (events: ClusterEvent[]): ClusterState =>
  events.reduce(evolve, initialClusterState);
/** The events `command` produces after `events`, each checked against its schema. */
export const when = (events: ClusterEvent[], command: ClusterCommand, now = T0): ClusterEvent[] => {
  const out = decide(command, given(events), { now });
  // Every event decided must satisfy its own schema, as the event store will check on append.
  for (const e of out) clusterEventSchemas[e.type].schema.parse(e.data);
  return out;
};
/** The `DomainError` `command` throws after `events`. */
export const failure = (events: ClusterEvent[], command: ClusterCommand): DomainError => {
  try {
    when(events, command);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
};
