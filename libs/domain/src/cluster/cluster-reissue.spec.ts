import { hashToken } from '../registration-token/token-value';
import { REGISTRATION_RETRY_WINDOW_SECONDS, type ClusterCommand } from './cluster.commands';
import type { ClusterEvent } from './cluster.events';
import {
  at,
  DAY,
  failure,
  HASH_A,
  HASH_B,
  HASH_C,
  REGISTERED,
  registerInput,
  T0,
  when,
} from './cluster.fixture';

// A registration retried with the same token and attempt id after its answer was lost.
const ATTEMPT = hashToken('attempt-0123456789abcdefghij');
const registered: ClusterEvent = {
  type: 'ClusterRegistered',
  data: { ...REGISTERED.data, attemptHash: ATTEMPT, registeredAt: T0.toISOString() },
};
const reissue = (
  over: Partial<Extract<ClusterCommand, { type: 'ReissueRegistrationCredential' }>['data']> = {},
): ClusterCommand => ({
  type: 'ReissueRegistrationCredential',
  data: {
    tokenId: 'tok-1',
    attemptHash: ATTEMPT,
    credentialHash: HASH_B,
    ...over,
  },
});

describe('reissuing a registration whose answer was lost', () => {
  it('a registration with an attempt id records its hash and the time', () => {
    const [event] = when([], {
      type: 'RegisterCluster',
      data: registerInput({ attemptHash: ATTEMPT }),
    });
    expect(event).toEqual(registered);
  });

  it('gives a new credential; the first keeps its whole life in case its answer arrived', () => {
    expect(when([registered], reissue())).toEqual([
      {
        type: 'ClusterCredentialRotated',
        data: {
          credentialHash: HASH_B,
          expiresAt: at(30 * DAY).toISOString(),
          previousValidUntil: at(30 * DAY).toISOString(),
        },
      },
    ]);
  });

  it('is a no-op for the credential already current (a retried retry)', () => {
    expect(when([registered], reissue({ credentialHash: HASH_A }))).toEqual([]);
  });

  it('works up to the end of the retry window, not after', () => {
    const end = new Date(T0.getTime() + REGISTRATION_RETRY_WINDOW_SECONDS * 1000);
    expect(when([registered], reissue(), end)).toHaveLength(1);
    const late = new Date(end.getTime() + 1);
    expect(() => when([registered], reissue(), late)).toThrow('registration token is not valid');
  });

  it.each<[string, ClusterEvent[], ClusterCommand]>([
    ['another attempt id', [registered], reissue({ attemptHash: HASH_C })],
    ['another token', [registered], reissue({ tokenId: 'tok-2' })],
    ['a registration that sent no attempt id', [REGISTERED], reissue()],
    ['no cluster', [], reissue()],
    [
      'a deregistered cluster',
      [registered, { type: 'ClusterDeregistered', data: { reason: 'gone' } }],
      reissue(),
    ],
  ])('refuses %s with the answer an invalid token gets', (_name, history, command) => {
    const err = failure(history, command);
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'registration token is not valid',
    });
  });
});
