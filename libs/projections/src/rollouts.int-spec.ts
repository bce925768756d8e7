import { createPool } from '@flotilla/database';
import {
  assignSteps,
  foldRollout,
  parseRolloutStrategy,
  rolloutStream,
  type Candidate,
  type Rendering,
  type RolloutEvent,
  type RolloutStrategy,
} from '@flotilla/domain';
import {
  EventStore,
  liveTarget,
  ProjectionRunner,
  type Projection,
  type ProjectionTarget,
} from '@flotilla/event-store';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool, PoolClient } from 'pg';
import { flotillaEventRegistry, type FlotillaEvent } from './event-definitions';
import { rolloutsProjection, type RolloutStepRow } from './rollouts.projection';

const rendering = (which: 'new' | 'old'): Rendering => ({
  digest: (which === 'new' ? 'd' : 'c').repeat(64),
  commit: (which === 'new' ? 'a' : 'b').repeat(40),
  bundleId: (which === 'new' ? '1' : '0').repeat(64),
  targetRevision: 'main',
  sourceType: 'Directory',
  objectCount: 3,
  namespace: 'web',
  prune: true,
  selfHeal: true,
});
const NEW = rendering('new');
const OLD = rendering('old');
const SET = '5f0d8a52-7a0e-4c3b-9d59-3f4e2b1c7a01';
const uuid = (prefix: string, i: number) =>
  `${prefix.padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const ROLLOUT = {
  full: uuid('a', 1),
  aborted: uuid('a', 2),
  old: uuid('a', 3),
  next: uuid('a', 4),
};
const BIG = uuid('b', 1);
const EDGE = uuid('b', 2);

/** Applications of the web ApplicationSet on clusters labelled `ring`. */
const candidates = (rings: string[], prefix = 'c'): Candidate[] =>
  rings.map((ring, i) => ({
    applicationId: uuid(prefix, i),
    applicationName: `web-${prefix}${String(i).padStart(4, '0')}`,
    clusterId: `cluster-${prefix}${i}`,
    clusterName: `${prefix}${String(i).padStart(4, '0')}`,
    bundleId: NEW.bundleId,
    commit: NEW.commit,
    applicationLabels: {},
    clusterLabels: { ring },
  }));
const progressive = (steps: unknown[], extra: Record<string, unknown> = {}): RolloutStrategy =>
  parseRolloutStrategy({ type: 'Progressive', progressive: { steps, ...extra } })!;
const ring = (name: string, value: string, more: Record<string, unknown> = {}) => ({
  name,
  clusters: { matchLabels: { ring: value } },
  ...more,
});

function start(
  strategy: RolloutStrategy,
  targets: Candidate[],
  supersedes: string | null = null,
): RolloutEvent {
  const { steps, excluded } = assignSteps(strategy, targets);
  return {
    type: 'RolloutStarted',
    data: {
      tenant: 'team-a',
      applicationSetId: SET,
      applicationSetName: 'web',
      strategy,
      revision: 'e'.repeat(64),
      commits: [NEW.commit],
      reason: `new commit ${NEW.commit.slice(0, 12)}`,
      steps,
      excluded,
      supersedes,
    },
  };
}
const ref = (c: Candidate) => ({ applicationId: c.applicationId, clusterId: c.clusterId });
const updated = (step: number, cs: Candidate[]): RolloutEvent => ({
  type: 'RolloutTargetsUpdated',
  data: {
    step,
    at: '2026-11-29T12:00:00.000Z',
    targets: cs.map((c) => ({ ...ref(c), rendering: NEW, previous: OLD })),
  },
});
const healthy = (step: number, cs: Candidate[]): RolloutEvent => ({
  type: 'RolloutTargetsHealthy',
  data: { step, at: '2026-11-29T12:00:05.000Z', targets: cs.map(ref) },
});
const failed = (
  step: number,
  cs: Candidate[],
  message = 'Degraded on aaaaaaaaaaaa',
): RolloutEvent => ({
  type: 'RolloutTargetsFailed',
  data: { step, targets: cs.map((c) => ({ ...ref(c), reason: 'Degraded', message })) },
});

describe('rollouts projection', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  const projection = rolloutsProjection as unknown as Projection<FlotillaEvent>;
  const live = liveTarget(rolloutsProjection);
  const catchUp = () => new ProjectionRunner(pool, store, projection, null).catchUp();
  const append = (id: string, events: RolloutEvent[], actor = 'system:rollouts') =>
    store.append(rolloutStream(id), 'any', events, { actor, tenantId: 'team-a' });
  const rollout = (id: string) =>
    pool
      .query(`SELECT * FROM ${live.table('rollouts')} WHERE id = $1`, [id])
      .then((r) => r.rows[0]);
  const targets = (id: string) =>
    pool
      .query(
        `SELECT * FROM ${live.table('rollout_targets')} WHERE rollout_id = $1
         ORDER BY step, cluster_name`,
        [id],
      )
      .then((r) => r.rows);
  const history = (id: string) => store.readStream(rolloutStream(id));

  /** The rows say what folding the stream with `evolve` says. */
  async function expectFolded(id: string, { steps = true } = {}): Promise<void> {
    const events = await history(id);
    const state = foldRollout(
      events.map((e) => ({
        event: { type: e.type, data: e.data } as RolloutEvent,
        at: e.recordedAt,
      })),
    );
    if (state.status === 'absent') throw new Error(`rollout ${id} has no RolloutStarted`);
    const all = [...state.targets.values()];
    const count = (f: (t: (typeof all)[number]) => boolean) => all.filter(f).length;
    const row = await rollout(id);
    expect(row).toMatchObject({
      status: state.status,
      paused_by: state.pausedBy,
      superseded_by: state.supersededBy,
      target_count: state.targets.size,
      updated_count: count((t) => t.updatedAt !== null),
      healthy_count: count((t) => t.phase === 'Healthy'),
      failed_count: count((t) => t.phase === 'Failed'),
      skipped_count: count((t) => t.phase === 'Skipped'),
      rolled_back_count: count((t) => t.rolledBack),
      version: events.length,
      last_position: events[events.length - 1]!.globalPosition.toString(),
    });
    const rows = (await targets(id)).filter((t) => t.phase !== 'Excluded');
    expect(rows.length).toBe(state.targets.size);
    for (const t of rows) {
      const s = state.targets.get(t.application_id)!;
      expect({
        step: t.step,
        phase: t.phase,
        updatedAt: t.updated_at,
        healthyAt: t.healthy_at,
        failure: t.failure_reason && { reason: t.failure_reason, message: t.failure_message },
        rolledBack: t.rolled_back,
      }).toEqual({
        step: s.step,
        phase: s.phase,
        updatedAt: s.updatedAt,
        healthyAt: s.healthyAt,
        failure: s.failure,
        rolledBack: s.rolledBack,
      });
    }
    if (!steps) return;
    const firstOpen = state.steps.findIndex((s) => !s.completed);
    expect(row.current_step).toBe(firstOpen < 0 ? null : firstOpen);
    expect(
      (row.steps as RolloutStepRow[]).map((s) => ({
        started: s.started,
        completed: s.completed,
        approved: s.approved,
        windowOverridden: s.windowOverriddenBy !== null,
        waiting: s.waiting && { gate: s.waiting.gate, message: s.waiting.message },
      })),
    ).toEqual(state.steps.map(({ name: _n, targets: _t, ...s }) => s));
  }

  beforeAll(async () => {
    db = await createTestDatabase('rollouts_projection');
    pool = createPool(db.url, { max: 5 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('follows a rollout through approval, a health pause and a resume to completion', async () => {
    const id = ROLLOUT.full;
    const cs = candidates(['canary', 'prod', 'prod', 'prod', 'prod', 'dev']);
    const [c0, c1, c2, c3, c4, dev] = cs as [Candidate, ...Candidate[]];
    const strategy = progressive([
      ring('canary', 'canary'),
      ring('prod', 'prod', { approval: true }),
    ]);
    await append(id, [start(strategy, cs)]);
    await append(id, [{ type: 'RolloutStepStarted', data: { step: 0 } }, updated(0, [c0])]);
    await append(id, [healthy(0, [c0])]);
    const gate = 'step prod waits for a deployer to promote the rollout';
    await append(id, [
      { type: 'RolloutStepCompleted', data: { step: 0 } },
      {
        type: 'RolloutGateWaiting',
        data: { step: 1, gate: 'Approval', message: gate, until: null },
      },
    ]);
    await catchUp();
    expect(await rollout(id)).toMatchObject({
      tenant: 'team-a',
      application_set_id: SET,
      application_set_name: 'web',
      status: 'Progressing',
      revision: 'e'.repeat(64),
      commits: [NEW.commit],
      started_by: 'system:rollouts',
      supersedes: null,
      strategy,
      current_step: 1,
      target_count: 5,
      excluded_count: 1,
      updated_count: 1,
      healthy_count: 1,
    });
    expect((await rollout(id)).steps[1]).toMatchObject({
      name: 'prod',
      targetCount: 4,
      started: false,
      waiting: { gate: 'Approval', message: gate, until: null },
    });
    await expectFolded(id);

    await append(id, [{ type: 'RolloutApproved', data: { step: 1, comment: 'ship it' } }], 'alice');
    const until = '2026-12-01T06:00:00.000Z';
    await append(id, [
      { type: 'RolloutGateWaiting', data: { step: 1, gate: 'SyncWindow', message: 'deny', until } },
    ]);
    await catchUp();
    expect((await rollout(id)).steps[1].waiting).toEqual({
      gate: 'SyncWindow',
      message: 'deny',
      until,
    });
    const window = 'deny 0 22 * * *';
    await append(
      id,
      [{ type: 'RolloutSyncWindowOverridden', data: { step: 1, window, comment: 'hotfix' } }],
      'bob',
    );
    await append(id, [
      { type: 'RolloutStepStarted', data: { step: 1 } },
      updated(1, [c1!, c2!, c3!, c4!]),
    ]);
    await append(id, [healthy(1, [c1!, c2!])]);
    // c2 turns Degraded after it was Healthy: it counts as failed only.
    await append(id, [
      failed(1, [c2!, c3!]),
      { type: 'RolloutPaused', data: { by: 'health', reason: '2 target(s) failed' } },
    ]);
    await catchUp();
    expect(await rollout(id)).toMatchObject({
      status: 'Paused',
      paused_by: 'health',
      pause_reason: '2 target(s) failed',
      healthy_count: 2,
      failed_count: 2,
      updated_count: 5,
    });
    await expectFolded(id);

    await append(id, [{ type: 'RolloutResumed', data: { comment: 'known flake' } }], 'alice');
    await append(id, [healthy(1, [c4!]), { type: 'RolloutStepCompleted', data: { step: 1 } }]);
    await append(id, [{ type: 'RolloutCompleted', data: { updated: 3, failed: 2, skipped: 0 } }]);
    await catchUp();

    const events = await history(id);
    const at = (type: string) => events.find((e) => e.type === type)!.recordedAt.toISOString();
    const last = events[events.length - 1]!;
    const row = await rollout(id);
    expect(row).toMatchObject({
      status: 'Completed',
      paused_by: null,
      pause_reason: null,
      finished_at: last.recordedAt,
      updated_at: last.recordedAt,
      started_at: events[0]!.recordedAt,
      current_step: null,
      target_count: 5,
      updated_count: 5,
      healthy_count: 3,
      failed_count: 2,
      skipped_count: 0,
      excluded_count: 1,
      rolled_back_count: 0,
    });
    const stepTimes = events.filter((e) => e.type === 'RolloutStepStarted');
    const doneTimes = events.filter((e) => e.type === 'RolloutStepCompleted');
    expect(row.steps).toEqual([
      {
        name: 'canary',
        targetCount: 1,
        started: true,
        completed: true,
        approved: false,
        approvedBy: null,
        approvedAt: null,
        approvalComment: null,
        windowOverriddenBy: null,
        waiting: null,
        startedAt: stepTimes[0]!.recordedAt.toISOString(),
        completedAt: doneTimes[0]!.recordedAt.toISOString(),
      },
      {
        name: 'prod',
        targetCount: 4,
        started: true,
        completed: true,
        approved: true,
        approvedBy: 'alice',
        approvedAt: at('RolloutApproved'),
        approvalComment: 'ship it',
        windowOverriddenBy: 'bob',
        waiting: null,
        startedAt: stepTimes[1]!.recordedAt.toISOString(),
        completedAt: doneTimes[1]!.recordedAt.toISOString(),
      },
    ] satisfies RolloutStepRow[]);
    const rows = await targets(id);
    expect(rows.map((t) => [t.cluster_name, t.step, t.phase, t.failure_reason])).toEqual([
      [dev!.clusterName, -1, 'Excluded', null],
      [c0!.clusterName, 0, 'Healthy', null],
      [c1!.clusterName, 1, 'Healthy', null],
      [c2!.clusterName, 1, 'Failed', 'Degraded'],
      [c3!.clusterName, 1, 'Failed', 'Degraded'],
      [c4!.clusterName, 1, 'Healthy', null],
    ]);
    expect(rows[0]).toMatchObject({
      application_id: dev!.applicationId,
      application_name: dev!.applicationName,
      cluster_id: dev!.clusterId,
      bundle_id: NEW.bundleId,
      commit: NEW.commit,
      updated_at: null,
    });
    expect(rows[3]).toMatchObject({ healthy_at: expect.any(Date), rolled_back: false });
    await expectFolded(id);
  });

  it('records an abort with rollback, and skipped targets', async () => {
    const id = ROLLOUT.aborted;
    const cs = candidates(['prod', 'prod', 'prod', 'prod'], 'd');
    const [c0, c1, , c3] = cs as [Candidate, Candidate, Candidate, Candidate];
    const strategy = progressive([{ name: 'all' }], {
      unavailableClusters: 'Skip',
      maxUnavailable: 2,
    });
    await append(id, [start(strategy, cs)]);
    await append(id, [
      { type: 'RolloutTargetsSkipped', data: { step: 0, targets: [ref(c3)] } },
      { type: 'RolloutStepStarted', data: { step: 0 } },
      updated(0, [c0, c1]),
    ]);
    await append(id, [healthy(0, [c0]), failed(0, [c1])]);
    await append(
      id,
      [{ type: 'RolloutPaused', data: { by: 'user', reason: 'looks wrong' } }],
      'alice',
    );
    await append(
      id,
      [
        { type: 'RolloutAborted', data: { rollback: true, reason: 'bad build' } },
        {
          type: 'RolloutRolledBack',
          data: { targets: [c0, c1].map((c) => ({ ...ref(c), rendering: OLD })) },
        },
      ],
      'alice',
    );
    await catchUp();
    const events = await history(id);
    expect(await rollout(id)).toMatchObject({
      status: 'Aborted',
      aborted_rollback: true,
      abort_reason: 'bad build',
      paused_by: 'user',
      pause_reason: 'looks wrong',
      finished_at: events[events.length - 1]!.recordedAt,
      current_step: 0,
      updated_count: 2,
      healthy_count: 1,
      failed_count: 1,
      skipped_count: 1,
      excluded_count: 0,
      rolled_back_count: 2,
    });
    expect((await targets(id)).map((t) => [t.phase, t.rolled_back])).toEqual([
      ['Healthy', true],
      ['Failed', true],
      ['Pending', false],
      ['Skipped', false],
    ]);
    await expectFolded(id);
  });

  it('links a superseded rollout and the one that took over', async () => {
    const cs = candidates(['prod', 'prod'], 'e');
    const strategy = progressive([{ name: 'all' }]);
    await append(ROLLOUT.old, [start(strategy, cs)]);
    await append(ROLLOUT.old, [
      { type: 'RolloutStepStarted', data: { step: 0 } },
      updated(0, [cs[0]!]),
    ]);
    await catchUp();
    const active = () =>
      pool
        .query(
          `SELECT id FROM ${live.table('rollouts')}
           WHERE application_set_id = $1 AND status IN ('Progressing', 'Paused') ORDER BY id`,
          [SET],
        )
        .then((r) => r.rows.map((x) => x.id));
    expect(await active()).toContain(ROLLOUT.old);

    await append(ROLLOUT.old, [{ type: 'RolloutSuperseded', data: { by: ROLLOUT.next } }]);
    await append(ROLLOUT.next, [start(strategy, cs, ROLLOUT.old)]);
    await catchUp();
    expect(await rollout(ROLLOUT.old)).toMatchObject({
      status: 'Superseded',
      superseded_by: ROLLOUT.next,
      supersedes: null,
      finished_at: expect.any(Date),
      updated_count: 1,
    });
    expect(await rollout(ROLLOUT.next)).toMatchObject({
      status: 'Progressing',
      supersedes: ROLLOUT.old,
      superseded_by: null,
      finished_at: null,
      current_step: 0,
      updated_count: 0,
    });
    expect(await active()).not.toContain(ROLLOUT.old);
    expect(await active()).toContain(ROLLOUT.next);
    await expectFolded(ROLLOUT.old);
    await expectFolded(ROLLOUT.next);
  });

  it('applies 2,000 targets in a few statements per event', async () => {
    const rings = Array.from({ length: 2_100 }, (_, i) =>
      i < 20 ? 'canary' : i < 2_000 ? 'prod' : 'dev',
    );
    const cs = candidates(rings, 'f');
    const strategy = progressive([ring('canary', 'canary'), ring('prod', 'prod')], {
      maxFailures: '5%',
    });
    const canary = cs.slice(0, 20);
    const prod = cs.slice(20, 2_000);
    await append(BIG, [start(strategy, cs)]);
    await append(BIG, [{ type: 'RolloutStepStarted', data: { step: 0 } }, updated(0, canary)]);
    await append(BIG, [healthy(0, canary), { type: 'RolloutStepCompleted', data: { step: 0 } }]);
    await append(BIG, [{ type: 'RolloutStepStarted', data: { step: 1 } }, updated(1, prod)]);
    await append(BIG, [healthy(1, prod.slice(0, 1_900)), failed(1, prod.slice(1_900))]);

    // Applied directly into tables of its own, counting the statements.
    const counted: ProjectionTarget = { table: (base) => `${base}_counted` };
    const tx = await pool.connect();
    let statements = 0;
    try {
      await tx.query('BEGIN');
      await rolloutsProjection.setup(tx, counted);
      const spy = new Proxy(tx, {
        get: (client, key) =>
          key === 'query'
            ? (...args: Parameters<PoolClient['query']>) => {
                statements++;
                return (client.query as (...a: unknown[]) => unknown)(...args);
              }
            : Reflect.get(client, key),
      });
      const events = await history(BIG);
      await rolloutsProjection.apply(spy, events as never, counted);
      const { rows } = await tx.query(
        `SELECT healthy_count, failed_count FROM ${counted.table('rollouts')}`,
      );
      expect(rows).toEqual([{ healthy_count: 1_920, failed_count: 80 }]);
      // Started: row, delete, targets; then two per event at most; then one for the tallies.
      expect(statements).toBeLessThanOrEqual(3 + 2 * (events.length - 1) + 1);
      await tx.query('ROLLBACK');
    } finally {
      tx.release();
    }

    await catchUp();
    expect(await rollout(BIG)).toMatchObject({
      target_count: 2_000,
      excluded_count: 100,
      updated_count: 2_000,
      healthy_count: 1_920,
      failed_count: 80,
      current_step: 1,
    });
    expect((await rollout(BIG)).steps.map((s: RolloutStepRow) => s.targetCount)).toEqual([
      20, 1_980,
    ]);
    expect(await targets(BIG)).toHaveLength(2_100);
    await expectFolded(BIG);
  });

  it('takes what the engine never writes without failing, as evolve folds it', async () => {
    const cs = candidates(['prod', 'prod', 'prod'], '9');
    const [c0, c1, c2] = cs as [Candidate, Candidate, Candidate];
    const strategy = progressive([ring('one', 'prod'), { name: 'two' }]);
    const twice = start(strategy, cs);
    if (twice.type !== 'RolloutStarted') throw new Error('not a start');
    // c0 in both steps and excluded too (the later step keeps it), c2 excluded only.
    const target = (c: Candidate) => ({
      applicationId: c.applicationId,
      applicationName: c.applicationName,
      clusterId: c.clusterId,
      clusterName: c.clusterName,
      bundleId: c.bundleId,
      commit: c.commit,
    });
    twice.data.steps = [
      { name: 'one', targets: [target(c0), target(c1)] },
      { name: 'two', targets: [target(c0)] },
    ];
    twice.data.excluded = [target(c0), target(c2)];
    await append(EDGE, [start(strategy, [c1])]);
    await append(EDGE, [updated(0, [c1])]);
    // A second start resets the rollout, as `evolve` does.
    await append(EDGE, [twice]);
    await append(EDGE, [
      updated(0, [c0, c1, c2]),
      healthy(0, [c1, c1]),
      {
        type: 'RolloutTargetsFailed',
        data: {
          step: 1,
          targets: [
            { ...ref(c0), reason: 'Degraded', message: 'first' },
            { ...ref(c0), reason: 'ProgressDeadlineExceeded', message: 'second' },
          ],
        },
      },
      {
        type: 'RolloutGateWaiting',
        data: { step: 7, gate: 'Approval', message: 'x', until: null },
      },
      { type: 'RolloutStepCompleted', data: { step: 7 } },
    ]);
    await catchUp();
    expect(
      (await targets(EDGE)).map((t) => [t.cluster_name, t.step, t.phase, t.failure_message]),
    ).toEqual([
      [c2.clusterName, -1, 'Excluded', null],
      [c1.clusterName, 0, 'Healthy', null],
      [c0.clusterName, 1, 'Failed', 'second'],
    ]);
    const row = await rollout(EDGE);
    expect(row).toMatchObject({ excluded_count: 1, target_count: 2, current_step: 0 });
    expect(row.steps.map((s: RolloutStepRow) => [s.name, s.started, s.waiting])).toEqual([
      ['one', true, null],
      ['two', false, null],
    ]);
    // `evolve` grows its step array for a step index past the end; the row ignores it.
    await expectFolded(EDGE, { steps: false });
  });

  it('rebuilds from zero equal to the live read model', async () => {
    const dump = (tx: PoolClient, target: ProjectionTarget) =>
      Promise.all([
        tx.query(`SELECT * FROM ${target.table('rollouts')} ORDER BY id`),
        tx.query(
          `SELECT * FROM ${target.table('rollout_targets')} ORDER BY rollout_id, application_id`,
        ),
      ]).then((results) => results.map((r) => r.rows));
    let compared = 0;
    await new ProjectionRunner(pool, store, projection, null, { batchSize: 2 }).rebuild(
      async (tx, liveTables, rebuilt) => {
        const [a, b] = [await dump(tx, liveTables), await dump(tx, rebuilt)];
        expect(b).toEqual(a);
        compared = a[0]!.length;
      },
    );
    expect(compared).toBe(6);
  });
});
