import { DomainError } from '../domain-error';
import {
  decide,
  evolve,
  initialRegistrationTokenState,
  issueRegistrationToken,
  type RegistrationTokenCommand,
  type RegistrationTokenState,
} from './registration-token.decider';
import {
  registrationTokenEventSchemas,
  type RegistrationTokenEvent,
} from './registration-token.events';
import { hashToken } from './token-value';

const T0 = new Date('2024-05-01T12:00:00Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const HASH = hashToken('flt_reg_secret');
const OTHER = hashToken('flt_reg_other');

const given = (events: RegistrationTokenEvent[]): RegistrationTokenState =>
  events.reduce(evolve, initialRegistrationTokenState);
const when = (
  events: RegistrationTokenEvent[],
  command: RegistrationTokenCommand,
  now = T0,
): RegistrationTokenEvent[] => {
  const out = decide(command, given(events), { now });
  for (const e of out) registrationTokenEventSchemas[e.type].schema.parse(e.data);
  return out;
};
const failure = (
  events: RegistrationTokenEvent[],
  command: RegistrationTokenCommand,
  now = T0,
): DomainError => {
  try {
    when(events, command, now);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
};

const create = (
  over: Partial<
    Extract<RegistrationTokenCommand, { type: 'CreateRegistrationToken' }>['data']
  > = {},
): RegistrationTokenCommand => ({
  type: 'CreateRegistrationToken',
  data: { tenant: 'team-a', tokenHash: HASH, ...over },
});
const created = (over: { maxUses?: number; expiresAt?: Date } = {}): RegistrationTokenEvent => ({
  type: 'RegistrationTokenCreated',
  data: {
    tenant: 'team-a',
    tokenHash: HASH,
    expiresAt: (over.expiresAt ?? at(3600)).toISOString(),
    maxUses: over.maxUses ?? 1,
    labels: {},
    mayReplace: false,
  },
});
const use = (tokenHash = HASH, clusterName = 'prod-eu-1'): RegistrationTokenCommand => ({
  type: 'UseRegistrationToken',
  data: { tokenHash, clusterId: 'c-1', clusterName },
});
const used: RegistrationTokenEvent = {
  type: 'RegistrationTokenUsed',
  data: { clusterId: 'c-1', clusterName: 'prod-eu-1' },
};
const revoked: RegistrationTokenEvent = { type: 'RegistrationTokenRevoked', data: {} };
const revoke: RegistrationTokenCommand = { type: 'RevokeRegistrationToken', data: {} };

describe('registration token decider', () => {
  it.each<[string, RegistrationTokenEvent[], RegistrationTokenCommand, RegistrationTokenEvent[]]>([
    ['create with defaults: one hour, one use', [], create(), [created()]],
    [
      'create with TTL, uses, labels and replace',
      [],
      create({ ttlSeconds: 600, maxUses: 3, labels: { env: 'dev' }, mayReplace: true }),
      [
        {
          type: 'RegistrationTokenCreated',
          data: {
            tenant: 'team-a',
            tokenHash: HASH,
            expiresAt: at(600).toISOString(),
            maxUses: 3,
            labels: { env: 'dev' },
            mayReplace: true,
          },
        },
      ],
    ],
    ['use', [created()], use(), [used]],
    ['use a second time of two', [created({ maxUses: 2 }), used], use(), [used]],
    ['revoke', [created()], revoke, [revoked]],
    ['revoke a used-up token', [created(), used], revoke, [revoked]],
    ['revoke again', [created(), revoked], revoke, []],
  ])('%s', (_name, history, command, expected) => {
    expect(when(history, command)).toEqual(expected);
  });

  it.each<
    [string, RegistrationTokenEvent[], RegistrationTokenCommand, string, string, string | undefined]
  >([
    [
      'TTL under a minute',
      [],
      create({ ttlSeconds: 59 }),
      'BAD_USER_INPUT',
      'ttlSeconds: Too small: expected number to be >=60',
      'ttlSeconds',
    ],
    [
      'TTL over 30 days',
      [],
      create({ ttlSeconds: 31 * 24 * 3600 }),
      'BAD_USER_INPUT',
      'ttlSeconds: Too big: expected number to be <=2592000',
      'ttlSeconds',
    ],
    [
      'zero uses',
      [],
      create({ maxUses: 0 }),
      'BAD_USER_INPUT',
      'maxUses: Too small: expected number to be >=1',
      'maxUses',
    ],
    [
      'fractional uses',
      [],
      create({ maxUses: 1.5 }),
      'BAD_USER_INPUT',
      'maxUses: Invalid input: expected int, received number',
      'maxUses',
    ],
    [
      'bad label key',
      [],
      create({ labels: { '-env': 'dev' } }),
      'BAD_USER_INPUT',
      `labels["-env"]: invalid key: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      'labels["-env"]',
    ],
    [
      'bad label value',
      [],
      create({ labels: { env: 'dev!' } }),
      'BAD_USER_INPUT',
      "labels.env: invalid value: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      'labels.env',
    ],
    [
      'tokenHash not a hash',
      [],
      create({ tokenHash: 'flt_reg_plain' }),
      'BAD_USER_INPUT',
      'tokenHash: must be a SHA-256 hex digest',
      'tokenHash',
    ],
    [
      'create over an existing token',
      [created()],
      create(),
      'CONFLICT',
      'registration token already exists',
      undefined,
    ],
    [
      'revoke an unknown token',
      [],
      revoke,
      'NOT_FOUND',
      'registration token does not exist',
      undefined,
    ],
    [
      'use a valid token for a bad cluster name',
      [created()],
      use(HASH, 'Prod EU'),
      'BAD_USER_INPUT',
      "clusterName: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
      'clusterName',
    ],
  ])('refuses: %s', (_name, history, command, code, message, field) => {
    const err = failure(history, command);
    expect({ code: err.code, message: err.message, field: err.field }).toEqual({
      code,
      message,
      field,
    });
  });

  describe('no oracle: every unusable token gets the same answer', () => {
    const cases: [string, RegistrationTokenEvent[], RegistrationTokenCommand, Date][] = [
      ['unknown', [], use(), T0],
      ['wrong hash', [created()], use(OTHER), T0],
      ['expired, at the instant', [created()], use(), at(3600)],
      ['expired, long ago', [created()], use(), at(90 * 24 * 3600)],
      ['revoked', [created(), revoked], use(), T0],
      ['used up', [created(), used], use(), T0],
      ['used up, max 2', [created({ maxUses: 2 }), used, used], use(), T0],
    ];
    const answers = cases.map(([, history, command, now]) => {
      const err = failure(history, command, now);
      return { code: err.code, message: err.message, field: err.field, name: err.name };
    });

    it.each(cases.map(([name], i) => [name, answers[i]]))('%s', (_name, answer) => {
      expect(answer).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'registration token is not valid',
        field: undefined,
        name: 'DomainError',
      });
    });

    it('one second before expiry the token still works', () => {
      expect(when([created()], use(), at(3599))).toEqual([used]);
    });
  });

  it('folds uses and revocation into the state', () => {
    expect(given([created({ maxUses: 3 }), used, used, revoked])).toEqual({
      status: 'revoked',
      tenant: 'team-a',
      tokenHash: HASH,
      expiresAt: at(3600),
      maxUses: 3,
      uses: 2,
      labels: {},
      mayReplace: false,
    });
  });

  it('issues a token: the value once, only its hash in the event', () => {
    const { value, events } = issueRegistrationToken(
      { tenant: 'team-a', labels: { env: 'dev' } },
      { now: T0, random: (n) => new Uint8Array(n).fill(7) },
    );
    expect(value).toMatch(/^flt_reg_[A-Za-z0-9_-]{43}$/);
    expect(events).toEqual([
      {
        type: 'RegistrationTokenCreated',
        data: {
          tenant: 'team-a',
          tokenHash: hashToken(value),
          expiresAt: at(3600).toISOString(),
          maxUses: 1,
          labels: { env: 'dev' },
          mayReplace: false,
        },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(value);
  });
});
