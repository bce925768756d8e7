import type { ClusterCommand } from './cluster.commands';
import type { ClusterEvent } from './cluster.events';
import {
  at,
  DAY,
  FACTS,
  HASH_A,
  HASH_B,
  HASH_C,
  REGISTERED,
  registerInput,
  given,
  when,
} from './cluster.fixture';

const register = (over: Parameters<typeof registerInput>[0] = {}): ClusterCommand => ({
  type: 'RegisterCluster',
  data: registerInput(over),
});
const connectivity = (
  from: 'Ready' | 'Stale' | 'Offline',
  to: 'Ready' | 'Stale' | 'Offline',
  seconds: number,
  missedIntervals: number,
): ClusterEvent => ({
  type: 'ClusterConnectivityChanged',
  data: { from, to, at: at(seconds).toISOString(), missedIntervals },
});
const { registrationTokenId: _, ...withoutToken } = REGISTERED.data;
const stale = connectivity('Ready', 'Stale', 31, 1);
const offline = connectivity('Stale', 'Offline', 151, 5);
const deregistered: ClusterEvent = {
  type: 'ClusterDeregistered',
  data: { reason: 'decommissioned' },
};
const heartbeat = (facts = FACTS): ClusterCommand => ({ type: 'ReportHeartbeat', data: { facts } });
const rotate = (data: Partial<{ gracePeriodSeconds: number; credentialTtlSeconds: number }> = {}) =>
  ({ type: 'RotateClusterCredential', data: { credentialHash: HASH_B, ...data } }) as const;

describe('cluster decider', () => {
  describe('then events', () => {
    it.each<[string, ClusterEvent[], ClusterCommand, ClusterEvent[]]>([
      ['register with a token (token labels merged in)', [], register(), [REGISTERED]],
      [
        'register: token labels win over requested ones',
        [],
        register({ labels: { env: 'prod', region: 'us' } }),
        [REGISTERED],
      ],
      [
        'register a kubeconfig cluster: no token, no agent credential',
        [],
        register({ mode: 'kubeconfig', token: undefined, credentialHash: undefined }),
        [
          {
            type: 'ClusterRegistered',
            data: {
              tenant: 'team-a',
              name: 'prod-eu-1',
              mode: 'kubeconfig',
              labels: { env: 'prod' },
              facts: FACTS,
            },
          },
        ],
      ],
      [
        'register an agent cluster with a custom credential TTL',
        [],
        register({ token: undefined, credentialTtlSeconds: DAY }),
        [
          {
            type: 'ClusterRegistered',
            data: {
              ...withoutToken,
              labels: { env: 'prod' },
              credentialExpiresAt: at(DAY).toISOString(),
            },
          },
        ],
      ],
      [
        're-register (agent re-install) with a token that may replace',
        [REGISTERED, stale],
        register({
          credentialHash: HASH_B,
          nameTaken: true,
          token: { id: 'tok-2', labels: { region: 'eu' }, mayReplace: true },
        }),
        [
          {
            type: 'ClusterRegistered',
            data: { ...REGISTERED.data, credentialHash: HASH_B, registrationTokenId: 'tok-2' },
          },
        ],
      ],
      [
        'change labels',
        [REGISTERED],
        { type: 'ChangeClusterLabels', data: { labels: { env: 'staging' } } },
        [{ type: 'ClusterLabelsChanged', data: { labels: { env: 'staging' } } }],
      ],
      [
        'change labels to the same, reordered',
        [REGISTERED],
        { type: 'ChangeClusterLabels', data: { labels: { region: 'eu', env: 'prod' } } },
        [],
      ],
      ['heartbeat, nothing changed', [REGISTERED], heartbeat(), []],
      [
        'heartbeat after an upgrade: only the changed facts',
        [REGISTERED],
        heartbeat({ ...FACTS, kubernetesVersion: 'v1.30.1', agentVersion: '0.5.0' }),
        [
          {
            type: 'ClusterFactsChanged',
            data: { kubernetesVersion: 'v1.30.1', agentVersion: '0.5.0' },
          },
        ],
      ],
      [
        'heartbeat while Stale',
        [REGISTERED, stale],
        heartbeat(),
        [connectivity('Stale', 'Ready', 0, 0)],
      ],
      [
        'heartbeat while Offline with a node added',
        [REGISTERED, stale, offline],
        heartbeat({ ...FACTS, nodeCount: 4 }),
        [
          { type: 'ClusterFactsChanged', data: { nodeCount: 4 } },
          connectivity('Offline', 'Ready', 0, 0),
        ],
      ],
      [
        'rotate: old credential valid for the default hour of grace',
        [REGISTERED],
        rotate(),
        [
          {
            type: 'ClusterCredentialRotated',
            data: {
              credentialHash: HASH_B,
              expiresAt: at(30 * DAY).toISOString(),
              previousValidUntil: at(3600).toISOString(),
            },
          },
        ],
      ],
      [
        'rotate: grace never outlives the old credential',
        [
          {
            ...REGISTERED,
            data: { ...REGISTERED.data, credentialExpiresAt: at(600).toISOString() },
          },
        ],
        rotate({ gracePeriodSeconds: 7200, credentialTtlSeconds: 7 * DAY }),
        [
          {
            type: 'ClusterCredentialRotated',
            data: {
              credentialHash: HASH_B,
              expiresAt: at(7 * DAY).toISOString(),
              previousValidUntil: at(600).toISOString(),
            },
          },
        ],
      ],
      [
        'rotate with the rotated-out credential (the last answer was lost): it stays in grace',
        [
          REGISTERED,
          {
            type: 'ClusterCredentialRotated',
            data: {
              credentialHash: HASH_B,
              expiresAt: at(30 * DAY).toISOString(),
              previousValidUntil: at(1800).toISOString(),
            },
          },
        ],
        {
          type: 'RotateClusterCredential',
          data: { credentialHash: HASH_C, presentedHash: HASH_A },
        },
        [
          {
            type: 'ClusterCredentialRotated',
            data: {
              credentialHash: HASH_C,
              expiresAt: at(30 * DAY).toISOString(),
              previousValidUntil: at(1800).toISOString(),
              previousHash: HASH_A,
            },
          },
        ],
      ],
      [
        'rotate to the current credential (a retry)',
        [REGISTERED],
        { type: 'RotateClusterCredential', data: { credentialHash: HASH_A } },
        [],
      ],
      [
        'deregister',
        [REGISTERED],
        { type: 'DeregisterCluster', data: { reason: 'decommissioned' } },
        [deregistered],
      ],
      [
        'deregister again',
        [REGISTERED, deregistered],
        { type: 'DeregisterCluster', data: { reason: 'again' } },
        [],
      ],
    ])('%s', (_name, history, command, expected) => {
      expect(when(history, command)).toEqual(expected);
    });
  });

  it('folds labels, facts, connectivity and credentials into the state', () => {
    expect(
      given([
        REGISTERED,
        { type: 'ClusterLabelsChanged', data: { labels: { env: 'dev' } } },
        { type: 'ClusterFactsChanged', data: { nodeCount: 5 } },
        stale,
        {
          type: 'ClusterCredentialRotated',
          data: {
            credentialHash: HASH_B,
            expiresAt: at(DAY).toISOString(),
            previousValidUntil: at(60).toISOString(),
          },
        },
      ]),
    ).toEqual({
      status: 'registered',
      tenant: 'team-a',
      name: 'prod-eu-1',
      mode: 'agent',
      labels: { env: 'dev' },
      facts: { ...FACTS, nodeCount: 5 },
      connectivity: 'Stale',
      credential: { hash: HASH_B, expiresAt: at(DAY) },
      previousCredential: { hash: HASH_A, validUntil: at(60) },
      registrationTokenId: 'tok-1',
    });
    expect(given([REGISTERED, deregistered])).toEqual({
      status: 'deregistered',
      tenant: 'team-a',
      name: 'prod-eu-1',
    });
  });
});
