import { z } from 'zod';
import { assertNever, DomainError } from '../domain-error';
import { missedIntervals, sweptConnectivity } from './cluster-connectivity';
import { constantTimeEqual } from '../registration-token/token-value';
import {
  REGISTRATION_RETRY_WINDOW_SECONDS,
  registerClusterInputSchema,
  reissueInputSchema,
  rotateCredentialInputSchema,
  sweepConnectivityInputSchema,
  type ClusterCommand,
  type ClusterDecideContext,
  type RegisterClusterInput,
} from './cluster.commands';
import type { ClusterEvent } from './cluster.events';
import {
  clusterFactsSchema,
  clusterLabelsSchema,
  parseInput as parse,
  type ClusterFacts,
  type ClusterLabels,
  type ClusterMode,
  type Connectivity,
} from './cluster.schema';

/** A cluster's state as folded from its stream. Dates are parsed from the events' ISO strings. */
export type ClusterState =
  | { status: 'absent' }
  | {
      status: 'registered';
      tenant: string;
      name: string;
      mode: ClusterMode;
      labels: ClusterLabels;
      facts: ClusterFacts;
      connectivity: Connectivity;
      /** The agent's credential; kubeconfig clusters have none. */
      credential?: { hash: string; expiresAt: Date };
      /** The credential rotated out last, accepted until `validUntil`. */
      previousCredential?: { hash: string; validUntil: Date };
      registrationTokenId?: string;
      /** SHA-256 of the attempt id the cluster registered with, if the agent sent one. */
      attemptHash?: string;
      /** When it registered (ISO), recorded with an attempt id. */
      registeredAt?: string;
    }
  | { status: 'deregistered'; tenant: string; name: string };

/** The state of a stream with no events. */
export const initialClusterState: ClusterState = { status: 'absent' };

const after = (now: Date, secs: number): string =>
  new Date(now.getTime() + secs * 1000).toISOString();

type Registered = Extract<ClusterState, { status: 'registered' }>;

function requireRegistered(state: ClusterState): Registered {
  switch (state.status) {
    case 'registered':
      return state;
    case 'absent':
      throw new DomainError('NOT_FOUND', 'cluster does not exist');
    case 'deregistered':
      throw new DomainError('NOT_FOUND', `cluster ${state.name} was deregistered`);
    default:
      return assertNever(state, 'cluster state');
  }
}

function sameLabels(a: ClusterLabels, b: ClusterLabels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

function decideRegister(
  input: RegisterClusterInput,
  state: ClusterState,
  now: Date,
): ClusterEvent[] {
  const data = parse(registerClusterInputSchema, input);
  const taken = () =>
    new DomainError(
      'CONFLICT',
      `name: cluster ${data.name} already exists in tenant ${data.tenant}`,
      'name',
    );
  const mayReplace = input.token?.mayReplace === true;
  switch (state.status) {
    case 'absent':
      if (input.nameTaken) throw taken();
      break;
    case 'registered':
      if (!mayReplace) throw taken();
      if (state.tenant !== data.tenant || state.name !== data.name) {
        throw new DomainError(
          'CONFLICT',
          `cluster ${state.tenant}/${state.name} cannot be replaced by ${data.tenant}/${data.name}`,
        );
      }
      break;
    case 'deregistered':
      throw new DomainError('CONFLICT', `cluster ${state.name} was deregistered`);
    default:
      return assertNever(state, 'cluster state');
  }
  const event: ClusterEvent = {
    type: 'ClusterRegistered',
    data: {
      tenant: data.tenant,
      name: data.name,
      mode: data.mode,
      // Token labels win: an agent must not label itself into another environment's workloads.
      labels: { ...data.labels, ...input.token?.labels },
      facts: data.facts,
      ...(data.credentialHash !== undefined
        ? {
            credentialHash: data.credentialHash,
            credentialExpiresAt: after(now, data.credentialTtlSeconds),
          }
        : {}),
      ...(input.token ? { registrationTokenId: input.token.id } : {}),
      ...(data.attemptHash !== undefined
        ? { attemptHash: data.attemptHash, registeredAt: now.toISOString() }
        : {}),
    },
  };
  return [event];
}

function decideReissue(
  input: Extract<ClusterCommand, { type: 'ReissueRegistrationCredential' }>['data'],
  state: ClusterState,
  now: Date,
): ClusterEvent[] {
  const data = parse(reissueInputSchema, input);
  // Every mismatch gets the answer an invalid token gets: no oracle for attempt ids.
  const refused = () => new DomainError('UNAUTHENTICATED', 'registration token is not valid');
  if (state.status !== 'registered' || !state.credential) throw refused();
  if (
    state.registrationTokenId !== data.tokenId ||
    state.attemptHash === undefined ||
    state.registeredAt === undefined ||
    !constantTimeEqual(state.attemptHash, data.attemptHash) ||
    now.getTime() > Date.parse(state.registeredAt) + REGISTRATION_RETRY_WINDOW_SECONDS * 1000
  )
    throw refused();
  if (data.credentialHash === state.credential.hash) return [];
  return [
    {
      type: 'ClusterCredentialRotated',
      data: {
        credentialHash: data.credentialHash,
        expiresAt: after(now, data.credentialTtlSeconds),
        // The earlier answer may have arrived after all: its credential keeps its whole life.
        previousValidUntil: state.credential.expiresAt.toISOString(),
      },
    },
  ];
}

function changedFacts(current: ClusterFacts, next: ClusterFacts): Partial<ClusterFacts> {
  const changed: Partial<ClusterFacts> = {};
  for (const key of Object.keys(next) as (keyof ClusterFacts)[]) {
    if (next[key] !== current[key]) Object.assign(changed, { [key]: next[key] });
  }
  return changed;
}

function decideHeartbeat(facts: ClusterFacts, current: Registered, now: Date): ClusterEvent[] {
  const parsed = parse(z.object({ facts: clusterFactsSchema }), { facts }).facts;
  const changed = changedFacts(current.facts, parsed);
  const events: ClusterEvent[] = [];
  if (Object.keys(changed).length > 0) events.push({ type: 'ClusterFactsChanged', data: changed });
  if (current.connectivity !== 'Ready') {
    const at = now.toISOString();
    const data = { from: current.connectivity, to: 'Ready', at, missedIntervals: 0 } as const;
    events.push({ type: 'ClusterConnectivityChanged', data });
  }
  return events;
}

function decideSweep(
  input: Extract<ClusterCommand, { type: 'SweepConnectivity' }>['data'],
  state: ClusterState,
  now: Date,
): ClusterEvent[] {
  const { intervalSeconds, offlineAfterMissed } = parse(sweepConnectivityInputSchema, input);
  // Sweeps run over every cluster in the background; a gone cluster is simply skipped.
  if (state.status !== 'registered') return [];
  const missed = missedIntervals(input.lastHeartbeatAt, now, intervalSeconds);
  const to = sweptConnectivity(state.connectivity, missed, offlineAfterMissed);
  if (to === undefined) return [];
  return [
    {
      type: 'ClusterConnectivityChanged',
      data: { from: state.connectivity, to, at: now.toISOString(), missedIntervals: missed },
    },
  ];
}

function decideRotate(
  input: Extract<ClusterCommand, { type: 'RotateClusterCredential' }>['data'],
  current: Registered,
  now: Date,
): ClusterEvent[] {
  const data = parse(rotateCredentialInputSchema, input);
  if (!current.credential)
    throw new DomainError(
      'CONFLICT',
      `cluster ${current.name} is reached by kubeconfig and has no agent credential`,
    );
  // A retried rotation with the same new credential changes nothing.
  if (data.credentialHash === current.credential.hash) return [];
  const graceEnd = now.getTime() + data.gracePeriodSeconds * 1000;
  // Rotating with the rotated-out credential means the agent never got the last answer: that
  // credential stays the grace one (never longer than it already was), so the agent is not
  // stranded however many answers it loses.
  const previous = current.previousCredential;
  const withPrevious =
    previous !== undefined &&
    data.presentedHash === previous.hash &&
    now.getTime() < previous.validUntil.getTime();
  const kept = withPrevious
    ? { hash: previous.hash, until: previous.validUntil.getTime() }
    : { hash: current.credential.hash, until: current.credential.expiresAt.getTime() };
  // The kept credential never outlives its own expiry or grace because of a rotation.
  const previousValidUntil = new Date(Math.min(graceEnd, kept.until));
  return [
    {
      type: 'ClusterCredentialRotated',
      data: {
        credentialHash: data.credentialHash,
        expiresAt: after(now, data.credentialTtlSeconds),
        previousValidUntil: previousValidUntil.toISOString(),
        ...(withPrevious ? { previousHash: kept.hash } : {}),
      },
    },
  ];
}

/**
 * Decides which events a cluster command produces: pure, no I/O. Throws `DomainError`:
 * BAD_USER_INPUT (invalid input, naming the field), CONFLICT (a taken name without a token that
 * may replace it; a deregistered stream), NOT_FOUND (changing a missing or deregistered cluster).
 * A command that changes nothing produces no events.
 */
export function decide(
  command: ClusterCommand,
  state: ClusterState,
  ctx: ClusterDecideContext,
): ClusterEvent[] {
  switch (command.type) {
    case 'RegisterCluster':
      return decideRegister(command.data, state, ctx.now);
    case 'ChangeClusterLabels': {
      const current = requireRegistered(state);
      const { labels } = parse(z.object({ labels: clusterLabelsSchema }), command.data);
      return sameLabels(current.labels, labels)
        ? []
        : [{ type: 'ClusterLabelsChanged', data: { labels } }];
    }
    case 'ReportHeartbeat':
      return decideHeartbeat(command.data.facts, requireRegistered(state), ctx.now);
    case 'SweepConnectivity':
      return decideSweep(command.data, state, ctx.now);
    case 'RotateClusterCredential':
      return decideRotate(command.data, requireRegistered(state), ctx.now);
    case 'ReissueRegistrationCredential':
      return decideReissue(command.data, state, ctx.now);
    case 'DeregisterCluster': {
      const { reason } = parse(z.object({ reason: z.string().max(500) }), command.data);
      if (state.status === 'deregistered') return [];
      requireRegistered(state);
      return [{ type: 'ClusterDeregistered', data: { reason } }];
    }
    default:
      return assertNever(command, 'cluster command');
  }
}

/** Folds one cluster event into the state. */
export function evolve(state: ClusterState, event: ClusterEvent): ClusterState {
  if (event.type === 'ClusterRegistered') {
    const { credentialHash, credentialExpiresAt, registrationTokenId, ...rest } = event.data;
    // A re-registration replaces everything, the old agent's credential included.
    return {
      status: 'registered',
      ...rest,
      connectivity: 'Ready',
      ...(credentialHash !== undefined && credentialExpiresAt !== undefined
        ? { credential: { hash: credentialHash, expiresAt: new Date(credentialExpiresAt) } }
        : {}),
      ...(registrationTokenId !== undefined ? { registrationTokenId } : {}),
    };
  }
  if (state.status !== 'registered') return state;
  switch (event.type) {
    case 'ClusterLabelsChanged':
      return { ...state, labels: event.data.labels };
    case 'ClusterFactsChanged':
      return { ...state, facts: { ...state.facts, ...event.data } };
    case 'ClusterConnectivityChanged':
      return { ...state, connectivity: event.data.to };
    case 'ClusterCredentialRotated':
      return {
        ...state,
        credential: { hash: event.data.credentialHash, expiresAt: new Date(event.data.expiresAt) },
        ...(state.credential
          ? {
              previousCredential: {
                hash: event.data.previousHash ?? state.credential.hash,
                validUntil: new Date(event.data.previousValidUntil),
              },
            }
          : {}),
      };
    case 'ClusterDeregistered':
      return { status: 'deregistered', tenant: state.tenant, name: state.name };
    default:
      return assertNever(event, 'cluster event');
  }
}
