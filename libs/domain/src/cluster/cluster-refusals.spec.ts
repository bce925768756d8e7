import { DomainError } from '../domain-error';
import type { ClusterCommand } from './cluster.commands';
import type { ClusterEvent } from './cluster.events';
import { DAY, failure, FACTS, HASH_B, REGISTERED, registerInput, T0 } from './cluster.fixture';

const register = (over: Parameters<typeof registerInput>[0] = {}): ClusterCommand => ({
  type: 'RegisterCluster',
  data: registerInput(over),
});
const deregistered: ClusterEvent = {
  type: 'ClusterDeregistered',
  data: { reason: 'decommissioned' },
};
const heartbeat = (facts = FACTS): ClusterCommand => ({ type: 'ReportHeartbeat', data: { facts } });
const rotate = (data: Partial<{ gracePeriodSeconds: number }> = {}): ClusterCommand => ({
  type: 'RotateClusterCredential',
  data: { credentialHash: HASH_B, ...data },
});

describe('cluster decider refuses', () => {
  it.each<
    [string, ClusterEvent[], ClusterCommand, DomainError['code'], string, string | undefined]
  >([
    [
      'register a taken name without a token',
      [],
      register({ nameTaken: true, token: undefined }),
      'CONFLICT',
      'name: cluster prod-eu-1 already exists in tenant team-a',
      'name',
    ],
    [
      'register a taken name with a token that may not replace',
      [],
      register({ nameTaken: true }),
      'CONFLICT',
      'name: cluster prod-eu-1 already exists in tenant team-a',
      'name',
    ],
    [
      'register over an existing cluster with a token that may not replace',
      [REGISTERED],
      register({ nameTaken: true }),
      'CONFLICT',
      'name: cluster prod-eu-1 already exists in tenant team-a',
      'name',
    ],
    [
      'replace a cluster under another name',
      [REGISTERED],
      register({ name: 'prod-eu-2', token: { id: 't', labels: {}, mayReplace: true } }),
      'CONFLICT',
      'cluster team-a/prod-eu-1 cannot be replaced by team-a/prod-eu-2',
      undefined,
    ],
    [
      'register on a deregistered stream',
      [REGISTERED, deregistered],
      register(),
      'CONFLICT',
      'cluster prod-eu-1 was deregistered',
      undefined,
    ],
    [
      'register a name that is not a DNS label',
      [],
      register({ name: 'Prod_EU' }),
      'BAD_USER_INPUT',
      "name: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
      'name',
    ],
    [
      'register with a bad label key',
      [],
      register({ labels: { 'bad key': 'x' } }),
      'BAD_USER_INPUT',
      `labels["bad key"]: invalid key: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      'labels["bad key"]',
    ],
    [
      'register with a label value too long',
      [],
      register({ labels: { env: 'x'.repeat(64) } }),
      'BAD_USER_INPUT',
      'labels.env: invalid value: must be no more than 63 characters',
      'labels.env',
    ],
    [
      'register with a bad Kubernetes version',
      [],
      register({ facts: { ...FACTS, kubernetesVersion: 'latest' } }),
      'BAD_USER_INPUT',
      'facts.kubernetesVersion: must be a Kubernetes version such as v1.29.3',
      'facts.kubernetesVersion',
    ],
    [
      'register with a credential that is not a hash',
      [],
      register({ credentialHash: 'flt_cls_plaintext' }),
      'BAD_USER_INPUT',
      'credentialHash: must be a SHA-256 hex digest',
      'credentialHash',
    ],
    [
      'register an agent cluster without a credential',
      [],
      register({ credentialHash: undefined }),
      'BAD_USER_INPUT',
      'credentialHash: is required for an agent cluster',
      'credentialHash',
    ],
    [
      'register a kubeconfig cluster with an agent credential',
      [],
      register({ mode: 'kubeconfig', token: undefined }),
      'BAD_USER_INPUT',
      'credentialHash: a kubeconfig cluster has no agent credential',
      'credentialHash',
    ],
    [
      'rotate the credential of a kubeconfig cluster',
      [
        {
          type: 'ClusterRegistered',
          data: { tenant: 'team-a', name: 'push-1', mode: 'kubeconfig', labels: {}, facts: FACTS },
        },
      ],
      rotate(),
      'CONFLICT',
      'cluster push-1 is reached by kubeconfig and has no agent credential',
      undefined,
    ],
    [
      'register with a credential TTL under an hour',
      [],
      register({ credentialTtlSeconds: 60 }),
      'BAD_USER_INPUT',
      'credentialTtlSeconds: Too small: expected number to be >=3600',
      'credentialTtlSeconds',
    ],
    [
      'change labels of a missing cluster',
      [],
      { type: 'ChangeClusterLabels', data: { labels: {} } },
      'NOT_FOUND',
      'cluster does not exist',
      undefined,
    ],
    [
      'change labels of a deregistered cluster',
      [REGISTERED, deregistered],
      { type: 'ChangeClusterLabels', data: { labels: {} } },
      'NOT_FOUND',
      'cluster prod-eu-1 was deregistered',
      undefined,
    ],
    [
      'heartbeat of a deregistered cluster',
      [REGISTERED, deregistered],
      heartbeat(),
      'NOT_FOUND',
      'cluster prod-eu-1 was deregistered',
      undefined,
    ],
    [
      'heartbeat with negative memory',
      [REGISTERED],
      heartbeat({ ...FACTS, allocatableMemoryBytes: -1 }),
      'BAD_USER_INPUT',
      'facts.allocatableMemoryBytes: Too small: expected number to be >=0',
      'facts.allocatableMemoryBytes',
    ],
    [
      'rotate with a grace period over a week',
      [REGISTERED],
      rotate({ gracePeriodSeconds: 8 * DAY }),
      'BAD_USER_INPUT',
      'gracePeriodSeconds: Too big: expected number to be <=604800',
      'gracePeriodSeconds',
    ],
    ['rotate on a missing cluster', [], rotate(), 'NOT_FOUND', 'cluster does not exist', undefined],
    [
      'sweep with a zero interval',
      [REGISTERED],
      { type: 'SweepConnectivity', data: { lastHeartbeatAt: T0, intervalSeconds: 0 } },
      'BAD_USER_INPUT',
      'intervalSeconds: Too small: expected number to be >=1',
      'intervalSeconds',
    ],
    [
      'deregister a missing cluster',
      [],
      { type: 'DeregisterCluster', data: { reason: '' } },
      'NOT_FOUND',
      'cluster does not exist',
      undefined,
    ],
  ])('%s', (_name, history, command, code, message, field) => {
    const err = failure(history, command);
    expect({ code: err.code, message: err.message, field: err.field }).toEqual({
      code,
      message,
      field,
    });
  });
});
