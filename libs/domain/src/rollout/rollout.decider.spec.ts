import { DomainError } from '../domain-error';
import { assignSteps, type Candidate } from './rollout-steps';
import { parseRolloutStrategy } from './rollout-strategy';
import {
  advance,
  decide,
  evolve,
  initialRolloutState,
  type RolloutState,
  type TargetObservation,
} from './rollout.decider';
import type { Rendering, RolloutEvent } from './rollout.events';

const rendering = (bundle: string): Rendering => ({
  digest: 'd'.repeat(64),
  commit: (bundle === 'new' ? 'a' : 'b').repeat(40),
  bundleId: (bundle === 'new' ? '1' : '0').repeat(64),
  targetRevision: 'main',
  sourceType: 'Directory',
  objectCount: 3,
  namespace: 'web',
  prune: true,
  selfHeal: true,
});
const NEW = rendering('new');
const OLD = rendering('old');

interface SimCluster {
  connectivity: 'Ready' | 'Stale' | 'Offline';
  live: Rendering | null;
  reported: Rendering | null;
  /** The health this cluster reports once it runs the new bundle. */
  onNew: 'Healthy' | 'Degraded' | 'Progressing';
  allowed: boolean;
}

/** A simulated fleet around one rollout: clusters apply what they are told on `settle()`. */
class Sim {
  state: RolloutState = initialRolloutState;
  log: { event: RolloutEvent; at: number }[] = [];
  clusters = new Map<string, SimCluster>();
  now = Date.parse('2026-11-29T12:00:00Z');
  candidates: Candidate[];

  constructor(
    strategy: unknown,
    n: number,
    labels: (i: number) => Record<string, string> = () => ({}),
  ) {
    this.candidates = Array.from({ length: n }, (_, i) => ({
      applicationId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      applicationName: `web-c${String(i).padStart(2, '0')}`,
      clusterId: `cluster-${i}`,
      clusterName: `c${String(i).padStart(2, '0')}`,
      bundleId: NEW.bundleId,
      commit: NEW.commit,
      applicationLabels: {},
      clusterLabels: labels(i),
    }));
    for (const c of this.candidates)
      this.clusters.set(c.applicationId, {
        connectivity: 'Ready',
        live: OLD,
        reported: OLD,
        onNew: 'Healthy',
        allowed: true,
      });
    const parsed = parseRolloutStrategy(strategy)!;
    const { steps, excluded } = assignSteps(parsed, this.candidates);
    this.apply([
      {
        type: 'RolloutStarted',
        data: {
          tenant: 'alice',
          applicationSetId: '00000000-0000-4000-8000-00000000aaaa',
          applicationSetName: 'web',
          strategy: parsed,
          revision: 'e'.repeat(64),
          commits: [NEW.commit],
          reason: 'test',
          steps,
          excluded,
          supersedes: null,
        },
      },
    ]);
  }

  cluster(i: number): SimCluster {
    return this.clusters.get(this.candidates[i]!.applicationId)!;
  }

  apply(events: RolloutEvent[]): void {
    for (const event of events) {
      this.state = evolve(this.state, event, new Date(this.now));
      this.log.push({ event, at: this.now });
      if (event.type === 'RolloutTargetsUpdated')
        for (const t of event.data.targets) this.clusters.get(t.applicationId)!.live = t.rendering;
      if (event.type === 'RolloutRolledBack')
        for (const t of event.data.targets) this.clusters.get(t.applicationId)!.live = t.rendering;
    }
  }

  /** Reachable clusters run what they are told and report it. */
  settle(): void {
    for (const c of this.clusters.values()) if (c.connectivity === 'Ready') c.reported = c.live;
  }

  observe(): Map<string, TargetObservation> {
    const out = new Map<string, TargetObservation>();
    for (const [id, c] of this.clusters)
      out.set(id, {
        connectivity: c.connectivity,
        staged: NEW,
        live: c.live,
        status: c.reported
          ? {
              bundleId: c.reported.bundleId,
              sync: 'Synced',
              health: c.reported === NEW ? c.onNew : 'Healthy',
            }
          : null,
        window: c.allowed
          ? { allowed: true, reason: '', recheckAt: null }
          : {
              allowed: false,
              reason: 'deny window "0 12 * * *" (1h, UTC) is active',
              recheckAt: new Date(Date.parse('2026-11-29T13:00:00Z')),
            },
      });
    return out;
  }

  /** One orchestrator step; answers its wake-up time. */
  tick(): Date | null {
    const { events, wakeAt } = advance(this.state, {
      now: new Date(this.now),
      targets: this.observe(),
    });
    this.apply(events);
    return wakeAt;
  }

  /** Ticks and lets clusters settle until nothing more happens (time does not move). */
  run(limit = 200): void {
    for (let i = 0; i < limit; i++) {
      const before = this.log.length;
      this.tick();
      this.settle();
      this.tick();
      if (this.log.length === before) return;
    }
    throw new Error('no fixed point');
  }

  types(): string[] {
    return this.log.map((e) => e.event.type);
  }

  status(): string {
    return this.state.status;
  }

  /** The step index of each target update, in order. */
  updates(): { step: number; cluster: string }[] {
    return this.log.flatMap(({ event }) =>
      event.type === 'RolloutTargetsUpdated'
        ? event.data.targets.map((t) => ({ step: event.data.step, cluster: t.clusterId }))
        : [],
    );
  }
}

const threeSteps = {
  type: 'Progressive',
  progressive: {
    steps: [
      { name: 'canary', clusters: { matchLabels: { ring: 'canary' } }, maxUnavailable: 1 },
      { name: 'early', clusters: { matchLabels: { ring: 'early' } }, maxUnavailable: 3 },
      { name: 'rest', maxUnavailable: '20%' },
    ],
  },
};
const ring = (i: number) => ({ ring: i < 3 ? 'canary' : i < 12 ? 'early' : 'main' });

/** The most targets of one step updated and not yet Healthy or Failed at any moment. */
function maxInFlight(sim: Sim): Map<number, number> {
  const inFlight = new Map<string, number>();
  const peak = new Map<number, number>();
  for (const { event } of sim.log) {
    if (event.type === 'RolloutTargetsUpdated')
      for (const t of event.data.targets) inFlight.set(t.applicationId, event.data.step);
    if (event.type === 'RolloutTargetsHealthy' || event.type === 'RolloutTargetsFailed')
      for (const t of event.data.targets) inFlight.delete(t.applicationId);
    const counts = new Map<number, number>();
    for (const step of inFlight.values()) counts.set(step, (counts.get(step) ?? 0) + 1);
    for (const [step, n] of counts) peak.set(step, Math.max(peak.get(step) ?? 0, n));
  }
  return peak;
}

describe('advance: a three-step rollout over 30 clusters', () => {
  it('completes in order and never exceeds maxUnavailable', () => {
    const sim = new Sim(threeSteps, 30, ring);
    sim.run();
    expect(sim.status()).toBe('Completed');
    const steps = sim.updates().map((u) => u.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps.filter((s) => s === 0)).toHaveLength(3);
    expect(steps.filter((s) => s === 1)).toHaveLength(9);
    expect(steps.filter((s) => s === 2)).toHaveLength(18);
    expect(Object.fromEntries(maxInFlight(sim))).toEqual({ 0: 1, 1: 3, 2: 3 }); // 20% of 18
    // Each step completes before the next one updates anything.
    const completedAt = sim.log.findIndex(
      (e) => e.event.type === 'RolloutStepCompleted' && e.event.data.step === 0,
    );
    const firstOfStep1 = sim.log.findIndex(
      (e) => e.event.type === 'RolloutTargetsUpdated' && e.event.data.step === 1,
    );
    expect(completedAt).toBeLessThan(firstOfStep1);
    expect(sim.log.at(-1)!.event).toEqual({
      type: 'RolloutCompleted',
      data: { updated: 30, failed: 0, skipped: 0 },
    });
    // Each cluster updated exactly once.
    expect(new Set(sim.updates().map((u) => u.cluster)).size).toBe(30);
  });

  it('pauses when a cluster of step two turns Degraded, and touches nothing of step three', () => {
    const sim = new Sim(threeSteps, 30, ring);
    sim.cluster(5).onNew = 'Degraded';
    sim.run();
    expect(sim.status()).toBe('Paused');
    expect(sim.updates().some((u) => u.step === 2)).toBe(false);
    const failed = sim.log.find((e) => e.event.type === 'RolloutTargetsFailed')!.event;
    expect(failed).toMatchObject({
      data: { step: 1, targets: [{ clusterId: 'cluster-5', reason: 'Degraded' }] },
    });
    expect(sim.log.at(-1)!.event).toMatchObject({ type: 'RolloutPaused', data: { by: 'health' } });
    // Paused: nothing more happens however long it waits.
    sim.now += 3_600_000;
    sim.run();
    expect(sim.updates().some((u) => u.step === 2)).toBe(false);
    // A resume accepts the failure so far and goes on.
    sim.apply(decide({ type: 'ResumeRollout', data: { comment: 'known flaky' } }, sim.state));
    sim.run();
    expect(sim.status()).toBe('Completed');
    expect(sim.log.at(-1)!.event).toMatchObject({ data: { updated: 29, failed: 1 } });
  });

  it('tolerates failures within the budget', () => {
    const sim = new Sim(
      { ...threeSteps, progressive: { ...threeSteps.progressive, maxFailures: 1 } },
      30,
      ring,
    );
    sim.cluster(5).onNew = 'Degraded';
    sim.run();
    expect(sim.status()).toBe('Completed');
  });
});

describe('advance: gates', () => {
  it('waits for approval before a step, and goes on when a deployer approves', () => {
    const strategy = {
      type: 'Progressive',
      progressive: {
        steps: [
          { name: 'one', percent: 50 },
          { name: 'two', approval: true },
        ],
      },
    };
    const sim = new Sim(strategy, 4);
    sim.run();
    expect(sim.status()).toBe('Progressing');
    expect(sim.updates()).toHaveLength(2);
    expect(sim.log.at(-1)!.event).toMatchObject({
      type: 'RolloutGateWaiting',
      data: { step: 1, gate: 'Approval' },
    });
    sim.run(); // waiting again records nothing new
    expect(sim.types().filter((t) => t === 'RolloutGateWaiting')).toHaveLength(1);
    expect(() =>
      decide({ type: 'ApproveRollout', data: { step: 0, comment: '' } }, sim.state),
    ).toThrow(/not waiting for approval/);
    sim.apply(decide({ type: 'ApproveRollout', data: { comment: 'ship it' } }, sim.state));
    sim.run();
    expect(sim.status()).toBe('Completed');
    expect(() => decide({ type: 'ApproveRollout', data: { comment: '' } }, sim.state)).toThrow(
      /Completed/,
    );
  });

  it('holds a step while a deny window is active and says until when', () => {
    const sim = new Sim({ type: 'Progressive', progressive: { steps: [{ name: 'all' }] } }, 3);
    for (let i = 0; i < 3; i++) sim.cluster(i).allowed = false;
    const wake = sim.tick();
    expect(sim.updates()).toHaveLength(0);
    expect(wake?.toISOString()).toBe('2026-11-29T13:00:00.000Z');
    expect(sim.log.at(-1)!.event).toMatchObject({
      type: 'RolloutGateWaiting',
      data: { gate: 'SyncWindow', until: '2026-11-29T13:00:00.000Z' },
    });
    expect(() =>
      decide(
        {
          type: 'OverrideSyncWindow',
          data: { comment: 'hotfix', window: 'deny window', manualAllowed: false },
        },
        sim.state,
      ),
    ).toThrow(DomainError);
    for (let i = 0; i < 3; i++) sim.cluster(i).allowed = true;
    sim.run();
    expect(sim.status()).toBe('Completed');
  });

  it('updates inside a window a deployer overrode, where the window allows manual syncs', () => {
    const sim = new Sim({ type: 'Progressive', progressive: { steps: [{ name: 'all' }] } }, 2);
    for (let i = 0; i < 2; i++) sim.cluster(i).allowed = false;
    sim.tick();
    sim.apply(
      decide(
        {
          type: 'OverrideSyncWindow',
          data: { comment: 'hotfix', window: 'deny window', manualAllowed: true },
        },
        sim.state,
      ),
    );
    sim.run();
    expect(sim.status()).toBe('Completed');
    expect(sim.types()).toContain('RolloutSyncWindowOverridden');
  });

  it('bakes: a step completes only when every target stayed Healthy for minSuccessTime', () => {
    const strategy = {
      type: 'Progressive',
      progressive: {
        steps: [{ name: 'one', percent: 50, minSuccessTime: '5m' }, { name: 'two' }],
      },
    };
    const sim = new Sim(strategy, 4);
    sim.run();
    expect(sim.updates()).toHaveLength(2);
    const wake = sim.tick();
    expect(wake?.getTime()).toBe(sim.now + 300_000);
    sim.now += 299_000;
    sim.run();
    expect(sim.updates()).toHaveLength(2);
    // A regression during the bake is a failure.
    sim.cluster(0).onNew = 'Degraded';
    sim.run();
    expect(sim.status()).toBe('Paused');
  });

  it('fails a target not Healthy by the progress deadline', () => {
    const sim = new Sim(
      { type: 'Progressive', progressive: { progressDeadline: '10m', steps: [{ name: 'all' }] } },
      2,
    );
    sim.cluster(1).onNew = 'Progressing';
    sim.run();
    expect(sim.status()).toBe('Progressing');
    const wake = sim.tick();
    expect(wake?.getTime()).toBe(sim.now + 600_000);
    sim.now += 600_000;
    sim.run();
    expect(sim.status()).toBe('Paused');
    expect(sim.log.find((e) => e.event.type === 'RolloutTargetsFailed')!.event).toMatchObject({
      data: { targets: [{ clusterId: 'cluster-1', reason: 'ProgressDeadlineExceeded' }] },
    });
  });
});

describe('advance: maxUnavailableSteps (Fleet maxUnavailablePartitions)', () => {
  const strategy = (maxUnavailableSteps: number) => ({
    type: 'Progressive',
    progressive: {
      maxUnavailableSteps,
      steps: [
        { name: 'one', percent: 25, minSuccessTime: '10m' },
        { name: 'two', percent: 50 },
        { name: 'rest' },
      ],
    },
  });

  it('0: the next step waits until the previous one has baked', () => {
    const sim = new Sim(strategy(0), 8);
    sim.run();
    expect(new Set(sim.updates().map((u) => u.step))).toEqual(new Set([0]));
  });

  it('1: the next step starts while one earlier step is still unfinished', () => {
    const sim = new Sim(strategy(1), 8);
    sim.run();
    // Step one bakes for 10 minutes; the steps after it go ahead (one unfinished step allowed),
    // and the rollout completes only when step one has baked.
    expect(new Set(sim.updates().map((u) => u.step))).toEqual(new Set([0, 1, 2]));
    expect(sim.status()).toBe('Progressing');
    sim.now += 600_000;
    sim.run();
    expect(sim.status()).toBe('Completed');
  });
});

describe('advance: Applications deleted during a rollout', () => {
  it('neither waits for them nor updates them', () => {
    const sim = new Sim(
      { type: 'Progressive', progressive: { steps: [{ name: 'all', maxUnavailable: 1 }] } },
      3,
    );
    sim.tick(); // cluster 0 updated
    sim.clusters.delete(sim.candidates[0]!.applicationId); // deleted while updating
    sim.clusters.delete(sim.candidates[2]!.applicationId); // deleted before its turn
    sim.run();
    expect(sim.status()).toBe('Completed');
    expect(sim.updates().map((u) => u.cluster)).toEqual(['cluster-0', 'cluster-1']);
  });
});

describe('advance: unavailable clusters', () => {
  const strategy = (policy: string) => ({
    type: 'Progressive',
    progressive: {
      unavailableClusters: policy,
      maxFailures: 1,
      steps: [{ name: 'one', percent: 50 }, { name: 'two' }],
    },
  });

  it('Wait: the step holds until the cluster is Ready', () => {
    const sim = new Sim(strategy('Wait'), 4);
    sim.cluster(1).connectivity = 'Offline';
    sim.run();
    expect(sim.updates().map((u) => u.cluster)).toEqual(['cluster-0']);
    expect(sim.log.at(-1)!.event).toMatchObject({
      type: 'RolloutGateWaiting',
      data: { step: 0, gate: 'ClustersUnavailable' },
    });
    sim.cluster(1).connectivity = 'Ready';
    sim.run();
    expect(sim.status()).toBe('Completed');
  });

  it('Skip: goes on without it, and catches it up when it returns', () => {
    const sim = new Sim(strategy('Skip'), 4);
    sim.cluster(1).connectivity = 'Stale';
    sim.cluster(3).connectivity = 'Offline';
    sim.tick();
    sim.settle();
    sim.cluster(1).connectivity = 'Ready';
    sim.run();
    expect(sim.types()).toContain('RolloutTargetsSkipped');
    expect(sim.updates().map((u) => u.cluster)).toEqual(['cluster-0', 'cluster-1', 'cluster-2']);
    expect(sim.status()).toBe('Completed');
    expect(sim.log.at(-1)!.event).toMatchObject({ data: { updated: 3, skipped: 1 } });
  });

  it('Fail: counts it against the failure budget', () => {
    const sim = new Sim(strategy('Fail'), 4);
    sim.cluster(1).connectivity = 'Offline';
    sim.cluster(3).connectivity = 'Offline';
    sim.run();
    expect(sim.status()).toBe('Paused');
    expect(
      sim.log.filter((e) => e.event.type === 'RolloutTargetsFailed').map((e) => e.event.data),
    ).toMatchObject([
      { targets: [{ clusterId: 'cluster-1', reason: 'ClusterUnavailable' }] },
      { targets: [{ clusterId: 'cluster-3', reason: 'ClusterUnavailable' }] },
    ]);
  });
});

describe('decide', () => {
  it('aborts with a rollback of every updated target to what it ran before', () => {
    const sim = new Sim(threeSteps, 30, ring);
    sim.cluster(5).onNew = 'Degraded';
    sim.run();
    const events = decide(
      { type: 'AbortRollout', data: { rollback: true, reason: 'bad build' } },
      sim.state,
    );
    expect(events[0]).toEqual({
      type: 'RolloutAborted',
      data: { rollback: true, reason: 'bad build' },
    });
    const rolledBack = events[1]!;
    expect(rolledBack.type).toBe('RolloutRolledBack');
    if (rolledBack.type !== 'RolloutRolledBack') throw new Error('unreachable');
    expect(rolledBack.data.targets).toHaveLength(sim.updates().length);
    expect(rolledBack.data.targets.every((t) => t.rendering.bundleId === OLD.bundleId)).toBe(true);
    sim.apply(events);
    expect(sim.status()).toBe('Aborted');
    expect(advance(sim.state, { now: new Date(sim.now), targets: sim.observe() }).events).toEqual(
      [],
    );
  });

  it('pauses and resumes by hand; refuses what the state does not allow', () => {
    const sim = new Sim(threeSteps, 30, ring);
    expect(() => decide({ type: 'ResumeRollout', data: { comment: '' } }, sim.state)).toThrow(
      /not Paused/,
    );
    sim.apply(decide({ type: 'PauseRollout', data: { reason: 'lunch' } }, sim.state));
    sim.run();
    expect(sim.updates()).toHaveLength(0);
    expect(() => decide({ type: 'PauseRollout', data: { reason: '' } }, sim.state)).toThrow(
      /already Paused/,
    );
    sim.apply(decide({ type: 'ResumeRollout', data: { comment: 'back' } }, sim.state));
    sim.run();
    expect(sim.status()).toBe('Completed');
    expect(() =>
      decide({ type: 'PauseRollout', data: { reason: '' } }, initialRolloutState),
    ).toThrow(/not found/);
  });
});
