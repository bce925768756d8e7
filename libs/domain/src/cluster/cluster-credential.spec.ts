import { credentialAccepted } from './cluster-credential';
import { evolve, initialClusterState, type ClusterState } from './cluster.decider';
import type { ClusterEvent } from './cluster.events';
import { at, DAY, HASH_A, HASH_B, HASH_C, REGISTERED } from './cluster.fixture';

const given = (events: ClusterEvent[]): ClusterState => events.reduce(evolve, initialClusterState);
const rotated = (hash: string, rotatedAt: number, grace = 3600): ClusterEvent => ({
  type: 'ClusterCredentialRotated',
  data: {
    credentialHash: hash,
    expiresAt: at(rotatedAt + 30 * DAY).toISOString(),
    previousValidUntil: at(rotatedAt + grace).toISOString(),
  },
});
const ms = (seconds: number, plusMs: number) => new Date(at(seconds).getTime() + plusMs);

describe('credentialAccepted', () => {
  it.each<[string, ClusterEvent[], string, Date, boolean]>([
    ['current credential', [REGISTERED], HASH_A, at(0), true],
    ['unknown credential', [REGISTERED], HASH_B, at(0), false],
    ['current, 1ms before expiry', [REGISTERED], HASH_A, ms(30 * DAY, -1), true],
    ['current, at expiry', [REGISTERED], HASH_A, at(30 * DAY), false],
    ['new credential after rotation', [REGISTERED, rotated(HASH_B, 100)], HASH_B, at(100), true],
    ['old credential within grace', [REGISTERED, rotated(HASH_B, 100)], HASH_A, at(100), true],
    [
      'old credential 1ms before grace ends',
      [REGISTERED, rotated(HASH_B, 100)],
      HASH_A,
      ms(3700, -1),
      true,
    ],
    ['old credential when grace ends', [REGISTERED, rotated(HASH_B, 100)], HASH_A, at(3700), false],
    [
      'zero grace: old credential stops at once',
      [REGISTERED, rotated(HASH_B, 100, 0)],
      HASH_A,
      at(100),
      false,
    ],
    [
      'lost rotation answer: the credential the agent kept stays in grace, the lost one does not',
      [
        REGISTERED,
        rotated(HASH_B, 100),
        {
          type: 'ClusterCredentialRotated',
          data: {
            credentialHash: HASH_C,
            expiresAt: at(200 + 30 * DAY).toISOString(),
            previousValidUntil: at(3700).toISOString(),
            previousHash: HASH_A,
          },
        },
      ],
      HASH_A,
      at(200),
      true,
    ],
    [
      'two rotations: only the last rotated-out credential has grace',
      [REGISTERED, rotated(HASH_B, 100), rotated(HASH_C, 200)],
      HASH_A,
      at(200),
      false,
    ],
    [
      'two rotations: the one before is in grace',
      [REGISTERED, rotated(HASH_B, 100), rotated(HASH_C, 200)],
      HASH_B,
      at(200),
      true,
    ],
    [
      'deregistered: current credential revoked at once',
      [REGISTERED, { type: 'ClusterDeregistered', data: { reason: '' } }],
      HASH_A,
      at(1),
      false,
    ],
    [
      'deregistered: credential in grace revoked at once',
      [REGISTERED, rotated(HASH_B, 100), { type: 'ClusterDeregistered', data: { reason: '' } }],
      HASH_A,
      at(101),
      false,
    ],
    [
      're-registered: the old agent credential stops at once',
      [REGISTERED, { ...REGISTERED, data: { ...REGISTERED.data, credentialHash: HASH_B } }],
      HASH_A,
      at(1),
      false,
    ],
    ['unknown cluster', [], HASH_A, at(0), false],
  ])('%s', (_name, history, presented, now, accepted) => {
    expect(credentialAccepted(given(history), presented, now)).toBe(accepted);
  });
});
