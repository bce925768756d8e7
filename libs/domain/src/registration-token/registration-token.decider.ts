import { z } from 'zod';
import {
  clusterLabelsSchema,
  dnsLabelSchema,
  parseInput,
  sha256HexSchema,
  type ClusterLabels,
} from '../cluster/cluster.schema';
import { assertNever, DomainError } from '../domain-error';
import type { RegistrationTokenEvent } from './registration-token.events';
import { constantTimeEqual, hashToken, newTokenValue, type RandomBytes } from './token-value';

/** Token lifetimes in seconds: default one hour, at least a minute, at most 30 days. */
export const REGISTRATION_TOKEN_TTL = { default: 3600, min: 60, max: 30 * 24 * 3600 } as const;
/** Registrations one token admits: default one. */
export const REGISTRATION_TOKEN_MAX_USES = { default: 1, min: 1, max: 10_000 } as const;

/** A registration token's state as folded from its stream. */
export type RegistrationTokenState =
  | { status: 'absent' }
  | {
      status: 'issued' | 'revoked';
      tenant: string;
      tokenHash: string;
      expiresAt: Date;
      maxUses: number;
      uses: number;
      labels: ClusterLabels;
      mayReplace: boolean;
    };

/** The state of a stream with no events. */
export const initialRegistrationTokenState: RegistrationTokenState = { status: 'absent' };

/** `CreateRegistrationToken` input: the caller generates the value and passes only its hash. */
export interface CreateRegistrationTokenInput {
  tenant: string;
  tokenHash: string;
  ttlSeconds?: number;
  maxUses?: number;
  labels?: ClusterLabels;
  mayReplace?: boolean;
}

/** Registration token commands. Inputs arrive as submitted: `decide` validates them. */
export type RegistrationTokenCommand =
  | { type: 'CreateRegistrationToken'; data: CreateRegistrationTokenInput }
  | {
      type: 'UseRegistrationToken';
      data: { tokenHash: string; clusterId: string; clusterName: string };
    }
  | { type: 'RevokeRegistrationToken'; data: Record<string, never> };

/** What deciding depends on besides state: the clock. */
export interface RegistrationTokenDecideContext {
  now: Date;
}

const createInputSchema = z.object({
  tenant: dnsLabelSchema,
  tokenHash: sha256HexSchema,
  ttlSeconds: z
    .number()
    .int()
    .min(REGISTRATION_TOKEN_TTL.min)
    .max(REGISTRATION_TOKEN_TTL.max)
    .default(REGISTRATION_TOKEN_TTL.default),
  maxUses: z
    .number()
    .int()
    .min(REGISTRATION_TOKEN_MAX_USES.min)
    .max(REGISTRATION_TOKEN_MAX_USES.max)
    .default(REGISTRATION_TOKEN_MAX_USES.default),
  labels: clusterLabelsSchema.default({}),
  mayReplace: z.boolean().default(false),
});

const useInputSchema = z.object({ clusterId: z.string().min(1), clusterName: dnsLabelSchema });

/** The one answer to every unusable token, so that callers cannot tell why (no oracle). */
const invalidToken = (): DomainError =>
  new DomainError('UNAUTHENTICATED', 'registration token is not valid');

/**
 * Whether a presented token hash may register a cluster at `now`: issued (not revoked), not
 * expired (`expiresAt` exclusive), uses left, and the hash matches (compared in constant time).
 */
export function registrationTokenUsable(
  state: RegistrationTokenState,
  presentedHash: string,
  now: Date,
): boolean {
  if (state.status === 'absent') return false;
  const matches = constantTimeEqual(presentedHash, state.tokenHash);
  return (
    matches &&
    state.status === 'issued' &&
    now.getTime() < state.expiresAt.getTime() &&
    state.uses < state.maxUses
  );
}

/**
 * Decides which events a registration token command produces: pure, no I/O. Throws `DomainError`:
 * BAD_USER_INPUT (invalid input, naming the field), CONFLICT (creating over an existing token),
 * NOT_FOUND (revoking an unknown token), and for any unusable token, whatever the reason, the same
 * `UNAUTHENTICATED 'registration token is not valid'`. Revoking a revoked token changes nothing.
 */
export function decide(
  command: RegistrationTokenCommand,
  state: RegistrationTokenState,
  ctx: RegistrationTokenDecideContext,
): RegistrationTokenEvent[] {
  switch (command.type) {
    case 'CreateRegistrationToken': {
      const data = parseInput(createInputSchema, command.data);
      if (state.status !== 'absent')
        throw new DomainError('CONFLICT', 'registration token already exists');
      const expiresAt = new Date(ctx.now.getTime() + data.ttlSeconds * 1000).toISOString();
      const { tenant, tokenHash, maxUses, labels, mayReplace } = data;
      return [
        {
          type: 'RegistrationTokenCreated',
          data: { tenant, tokenHash, expiresAt, maxUses, labels, mayReplace },
        },
      ];
    }
    case 'UseRegistrationToken': {
      if (!registrationTokenUsable(state, command.data.tokenHash, ctx.now)) throw invalidToken();
      const { clusterId, clusterName } = parseInput(useInputSchema, command.data);
      return [{ type: 'RegistrationTokenUsed', data: { clusterId, clusterName } }];
    }
    case 'RevokeRegistrationToken':
      switch (state.status) {
        case 'absent':
          throw new DomainError('NOT_FOUND', 'registration token does not exist');
        case 'revoked':
          return [];
        case 'issued':
          return [{ type: 'RegistrationTokenRevoked', data: {} }];
        default:
          return assertNever(state, 'registration token state');
      }
    default:
      return assertNever(command, 'registration token command');
  }
}

/** Folds one registration token event into the state. */
export function evolve(
  state: RegistrationTokenState,
  event: RegistrationTokenEvent,
): RegistrationTokenState {
  switch (event.type) {
    case 'RegistrationTokenCreated':
      return {
        status: 'issued',
        ...event.data,
        expiresAt: new Date(event.data.expiresAt),
        mayReplace: event.data.mayReplace === true,
        uses: 0,
      };
    case 'RegistrationTokenUsed':
      return state.status === 'absent' ? state : { ...state, uses: state.uses + 1 };
    case 'RegistrationTokenRevoked':
      return state.status === 'absent' ? state : { ...state, status: 'revoked' };
    default:
      return assertNever(event, 'registration token event');
  }
}

/**
 * Issues a token for a new stream: generates the value, decides `CreateRegistrationToken` with its
 * hash, and returns the value (to show once) with the events to append.
 */
export function issueRegistrationToken(
  input: Omit<CreateRegistrationTokenInput, 'tokenHash'>,
  ctx: RegistrationTokenDecideContext & { random: RandomBytes },
): { value: string; events: RegistrationTokenEvent[] } {
  const value = newTokenValue(ctx.random);
  const command = {
    type: 'CreateRegistrationToken',
    data: { ...input, tokenHash: hashToken(value) },
  } as const;
  return { value, events: decide(command, initialRegistrationTokenState, ctx) };
}
