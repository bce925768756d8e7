import { JOB_QUEUE, jobIds, jobPayload, timeSlot } from './jobs';

describe('job contracts', () => {
  it('derives ids from input, never with ":" (BullMQ refuses it in custom ids)', () => {
    const ids = [
      jobIds.connectivitySweep(5),
      jobIds.planProbeRound(7),
      jobIds.probeRound(7),
      jobIds.kubeconfigProbe('0194c5d2-7b8e-7c3a-9f00-000000000001', 7),
      jobIds.secretsReseal('k2.2026', 20_000),
      jobIds.generateAppset('0b6f2b0e-3c1a-4f5e-9a7d-1c2b3d4e5f60', 3),
      jobIds.writeApplications('0b6f2b0e-3c1a-4f5e-9a7d-1c2b3d4e5f60', '0123456789abcdef', 2),
      jobIds.finishGeneration('0b6f2b0e-3c1a-4f5e-9a7d-1c2b3d4e5f60', '0123456789abcdef'),
    ];
    expect(ids).toEqual([
      'sweep/5',
      'plan-probe-round/7',
      'probe-round/7',
      'probe/0194c5d2-7b8e-7c3a-9f00-000000000001/7',
      'secrets-reseal/k2.2026/20000',
      'generate/0b6f2b0e-3c1a-4f5e-9a7d-1c2b3d4e5f60/3',
      'appset-write/0b6f2b0e-3c1a-4f5e-9a7d-1c2b3d4e5f60/0123456789abcdef/2',
      'appset-finish/0b6f2b0e-3c1a-4f5e-9a7d-1c2b3d4e5f60/0123456789abcdef',
    ]);
    for (const id of ids) expect(id).not.toContain(':');
    expect(jobIds.kubeconfigProbe('a', 1)).toBe(jobIds.kubeconfigProbe('a', 1));
  });

  it.each([
    ['2026-03-01T10:00:00.000Z', 30, 59_078_640],
    ['2026-03-01T10:00:29.999Z', 30, 59_078_640],
    ['2026-03-01T10:00:30.000Z', 30, 59_078_641],
    ['2026-03-01T10:00:00.000Z', 86_400, 20_513],
  ])('puts %s, with %s-second intervals, in slot %s', (at, seconds, slot) => {
    expect(timeSlot(new Date(at), seconds)).toBe(slot);
  });

  it('reads every payload of the union and refuses unknown types and extra fields', () => {
    expect(jobPayload.parse({ type: 'kubeconfig-probe', clusterId: 'c1', slot: 3 })).toEqual({
      type: 'kubeconfig-probe',
      clusterId: 'c1',
      slot: 3,
    });
    expect(jobPayload.safeParse({ type: 'rollout-step' }).success).toBe(false);
    expect(jobPayload.safeParse({ type: 'connectivity-sweep', at: 1 }).success).toBe(false);
    expect(jobPayload.safeParse({ type: 'kubeconfig-probe', clusterId: 'c1' }).success).toBe(false);
  });

  it('gives delivery jobs ids that collapse repeated triggers', () => {
    const ids = [
      jobIds.render('pending', 42),
      jobIds.pushApply('c-1', 'a'.repeat(32), 1_700_000_000_000),
      jobIds.pushAssess('c-1', 9),
    ];
    expect(ids).toEqual([
      'render/pending/42',
      `push/c-1/${'a'.repeat(32)}/1700000000000`,
      'push-assess/c-1/9',
    ]);
    for (const id of ids) expect(id).not.toContain(':');
    // A return to an earlier revision is a new change: a new job, not the one that ran before.
    expect(jobIds.pushApply('c-1', 'r1', 1)).not.toBe(jobIds.pushApply('c-1', 'r1', 2));
    expect(
      jobPayload.safeParse({ type: 'push-cluster', clusterId: 'c-1', revision: 'r', mode: 'x' })
        .success,
    ).toBe(false);
    expect(JOB_QUEUE['push-cluster']).toBe('cluster-push');
  });

  it('binds every job type to a queue', () => {
    const types = jobPayload.options.map((o) => o.shape.type.value);
    expect(Object.keys(JOB_QUEUE).sort()).toEqual([...types].sort());
  });
});
