import type { KubeObject } from '../kube-object';
import { assessHealth } from './health';
import type { HealthStatus } from './health-status';

// Cases after gitops-engine pkg/health/testdata/pod-*.yaml and job-*.yaml.
function pod(
  restartPolicy: string | undefined,
  status: object,
  annotations?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', ...(annotations ? { annotations } : {}) },
    spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'web' }] },
    status,
  };
}
const ready = (status: string) => [{ type: 'Ready', status }];
const waiting = (reason: string, message: string) => ({
  name: 'web',
  ready: false,
  state: { waiting: { reason, message } },
});

describe('Pod health', () => {
  it.each<[string, KubeObject, HealthStatus]>([
    [
      'pending, container creating (pod-pending.yaml)',
      pod('Always', {
        phase: 'Pending',
        containerStatuses: [waiting('ContainerCreating', '')],
      }),
      { status: 'Progressing' },
    ],
    [
      'running, not ready (pod-running-not-ready.yaml)',
      pod('Always', {
        phase: 'Running',
        conditions: ready('False'),
        containerStatuses: [{ name: 'web', ready: false, state: { running: {} } }],
      }),
      { status: 'Progressing' },
    ],
    [
      'crash loop (pod-crashloop.yaml)',
      pod('Always', {
        phase: 'Running',
        conditions: ready('False'),
        containerStatuses: [
          {
            ...waiting('CrashLoopBackOff', 'Back-off 40s restarting failed container=web'),
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      }),
      { status: 'Degraded', message: 'Back-off 40s restarting failed container=web' },
    ],
    [
      'image pull back-off (pod-imagepullbackoff.yaml)',
      pod('Always', {
        phase: 'Pending',
        containerStatuses: [waiting('ImagePullBackOff', 'Back-off pulling image "doesnt-exist"')],
      }),
      { status: 'Degraded', message: 'Back-off pulling image "doesnt-exist"' },
    ],
    [
      'several failing containers: messages joined',
      pod('Always', {
        phase: 'Pending',
        containerStatuses: [
          waiting('ErrImagePull', 'rpc error: code = NotFound'),
          waiting('CreateContainerConfigError', 'secret "db" not found'),
          waiting('ContainerCreating', ''),
        ],
      }),
      { status: 'Degraded', message: 'rpc error: code = NotFound, secret "db" not found' },
    ],
    [
      'running, not ready, restarted before (pod-error.yaml)',
      pod('Always', {
        phase: 'Running',
        conditions: ready('False'),
        containerStatuses: [
          {
            name: 'web',
            state: { running: {} },
            lastState: { terminated: { exitCode: 2, reason: 'Error' } },
          },
        ],
      }),
      { status: 'Degraded' },
    ],
    [
      'running and ready (pod-running-restart-always.yaml)',
      pod('Always', { phase: 'Running', conditions: ready('True') }),
      { status: 'Healthy' },
    ],
    [
      'running, restart Never (pod-running-restart-never.yaml)',
      pod('Never', { phase: 'Running', conditions: ready('True') }),
      { status: 'Progressing' },
    ],
    [
      'running, restart OnFailure (pod-running-restart-onfailure.yaml)',
      pod('OnFailure', { phase: 'Running', conditions: ready('True') }),
      { status: 'Progressing' },
    ],
    [
      'running, restart Never, ignore-restart-policy annotation',
      pod(
        'Never',
        { phase: 'Running', conditions: ready('True') },
        { 'argocd.argoproj.io/ignore-restart-policy': 'true' },
      ),
      { status: 'Healthy' },
    ],
    [
      'image pull back-off with restart Never is not judged by container states',
      pod('Never', {
        phase: 'Pending',
        containerStatuses: [waiting('ImagePullBackOff', 'Back-off pulling image "x"')],
      }),
      { status: 'Progressing' },
    ],
    [
      'failed with a pod message (pod-failed.yaml)',
      pod('Never', {
        phase: 'Failed',
        message: 'Pod was active on the node longer than the specified deadline',
      }),
      {
        status: 'Degraded',
        message: 'Pod was active on the node longer than the specified deadline',
      },
    ],
    [
      'failed: init container exit code',
      pod('Never', {
        phase: 'Failed',
        initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 3 } } }],
        containerStatuses: [{ name: 'web', state: { terminated: { exitCode: 1 } } }],
      }),
      { status: 'Degraded', message: 'container "migrate" failed with exit code 3' },
    ],
    [
      'failed: OOMKilled',
      pod('Never', {
        phase: 'Failed',
        containerStatuses: [
          { name: 'web', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
        ],
      }),
      { status: 'Degraded', message: 'OOMKilled' },
    ],
    [
      'failed: termination message',
      pod('Never', {
        phase: 'Failed',
        containerStatuses: [
          { name: 'web', state: { terminated: { exitCode: 1, message: 'panic: nil map' } } },
        ],
      }),
      { status: 'Degraded', message: 'panic: nil map' },
    ],
    ['failed without any detail', pod('Never', { phase: 'Failed' }), { status: 'Degraded' }],
    ['succeeded (pod-succeeded.yaml)', pod('Never', { phase: 'Succeeded' }), { status: 'Healthy' }],
    [
      'being deleted (pod-deletion.yaml)',
      {
        ...pod('Always', { phase: 'Running', conditions: ready('True') }),
        metadata: { name: 'web-0', deletionTimestamp: '2018-12-03T10:16:04Z' },
      },
      { status: 'Progressing', message: 'Pending deletion' },
    ],
    [
      'phase Unknown',
      pod('Always', { phase: 'Unknown', message: 'node lost' }),
      { status: 'Unknown', message: 'node lost' },
    ],
    [
      'running without a restart policy',
      pod(undefined, { phase: 'Running' }),
      { status: 'Unknown' },
    ],
  ])('%s', (_, object, expected) => {
    expect(assessHealth(object)).toEqual(expected);
  });
});

describe('Job health', () => {
  const job = (conditions: object[]): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate' },
    spec: {},
    status: { conditions },
  });

  it.each<[string, KubeObject, HealthStatus]>([
    ['running (job-running.yaml)', job([]), { status: 'Progressing' }],
    [
      'failed (job-failed.yaml)',
      job([
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ]),
      { status: 'Degraded', message: 'Job has reached the specified backoff limit' },
    ],
    [
      'succeeded (job-succeeded.yaml)',
      job([{ type: 'Complete', status: 'True' }]),
      { status: 'Healthy' },
    ],
    [
      'suspended',
      job([
        { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' },
      ]),
      { status: 'Suspended', message: 'Job suspended' },
    ],
    [
      'resumed (Suspended False)',
      job([{ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }]),
      { status: 'Healthy', message: 'Job resumed' },
    ],
    [
      'failure wins over completion',
      job([
        { type: 'Complete', status: 'True' },
        { type: 'Failed', status: 'True', message: 'DeadlineExceeded' },
      ]),
      { status: 'Degraded', message: 'DeadlineExceeded' },
    ],
  ])('%s', (_, object, expected) => {
    expect(assessHealth(object)).toEqual(expected);
  });
});
