import { createPool } from '@flotilla/database';
import {
  deliveryStream,
  notificationRuleStream,
  parseTenantSpec,
  type JsonObjectValue,
  type RolloutEvent,
} from '@flotilla/domain';
import { EventStore } from '@flotilla/event-store';
import { jobIds } from '@flotilla/contracts';
import { repositoryKey } from '@flotilla/git';
import {
  DELIVERIES_TABLE,
  flotillaEventRegistry,
  ROLLOUTS_TABLE,
  type FlotillaEvent,
} from '@flotilla/projections';
import { RolloutEngine } from '@flotilla/rollouts';
import {
  createTestDatabase,
  createTestRepository,
  eventually,
  type TestDatabase,
  type TestRepository,
} from '@flotilla/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { AppsetFleet } from '../appsets/appset.fixture';
import { runJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';

const TENANT = 'team-roll';
const cm = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {value: "${value}"}
`;

const WEB_STEPS: JsonObjectValue[] = [
  { name: 'canary', clusters: { matchLabels: { ring: 'canary' } }, maxUnavailable: 1 },
  { name: 'early', clusters: { matchLabels: { ring: 'early' } }, maxUnavailable: 2 },
  { name: 'rest', maxUnavailable: 2 },
];
const appSet = (
  repoURL: string,
  name = 'web',
  steps: JsonObjectValue[] = WEB_STEPS,
): JsonObjectValue => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ApplicationSet',
  metadata: { name },
  spec: {
    goTemplate: true,
    generators: [{ clusters: {} }],
    strategy: { type: 'Progressive', progressive: { steps } },
    template: {
      metadata: { name: `${name}-{{.name}}` },
      spec: {
        project: 'default',
        source: { repoURL, targetRevision: 'main', path: 'web' },
        destination: { server: '{{.server}}', namespace: 'apps' },
        syncPolicy: { automated: { prune: true } },
      },
    },
  },
});

interface Row {
  application_id: string;
  cluster_id: string;
  name: string;
  bundle_id: string | null;
  commit: string | null;
  status_bundle_id: string | null;
  staged_bundle: string | null;
}

const RINGS: Record<string, string> = {
  c1: 'canary',
  c2: 'canary',
  e1: 'early',
  e2: 'early',
  e3: 'early',
  m1: 'main',
  m2: 'main',
  m3: 'main',
};

describe('rollouts on the worker (real Git, Postgres, BullMQ; clusters simulated by their reports)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let fleet: AppsetFleet;
  let worker: RunningWorker;
  /** A second worker beside the first for the first two tests: no decision is taken twice. */
  let second: RunningWorker | null = null;
  let repo: TestRepository;
  let setId: string;
  /** The worker's clock runs this far ahead of the real one (an injected clock). */
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const config = () =>
    testWorkerConfig(db.url, {
      GIT_CACHE_DIR: join(repo.dir, '..', 'cache'),
      GIT_ALLOW_FILE_URLS: 'true',
      ROLLOUT_SWEEP_SECONDS: '1',
    });
  /** Health each simulated cluster reports for the newest bundle it was given. */
  const healthOf = new Map<string, 'Healthy' | 'Degraded'>();
  let reporting = true;
  let reporter: Promise<void> = Promise.resolve();

  const rows = async (set?: string): Promise<Row[]> =>
    (
      await pool.query<Row>(
        `SELECT application_id, cluster_id, name, bundle_id, commit, status_bundle_id,
                staged->>'bundleId' AS staged_bundle
           FROM ${DELIVERIES_TABLE} WHERE ($1::uuid IS NULL OR application_set_id = $1)
            AND NOT deleted
          ORDER BY name`,
        [set ?? null],
      )
    ).rows;
  const deliveriesOf = async (type: string): Promise<number> =>
    Number(
      (
        await pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM notification_deliveries WHERE event_type = $1',
          [type],
        )
      ).rows[0]?.n,
    );

  /** Every simulated cluster reports what it was given (as its agent would, after applying). */
  async function reportLoop(): Promise<void> {
    while (reporting) {
      for (const r of await rows().catch(() => [] as Row[])) {
        if (!r.bundle_id || r.status_bundle_id === r.bundle_id) continue;
        const name = r.cluster_id.slice(`${TENANT}-`.length);
        const health = healthOf.get(name) ?? 'Healthy';
        await store
          .append(
            deliveryStream(r.application_id),
            'any',
            [
              {
                type: 'ApplicationStatusChanged',
                data: {
                  clusterId: r.cluster_id,
                  commit: r.commit,
                  bundleId: r.bundle_id,
                  sync: 'Synced',
                  health,
                  message: '',
                  resourceCount: 1,
                  problems: [],
                  observedAt: new Date().toISOString(),
                  reporter: 'agent',
                },
              },
            ],
            { actor: `agent:${r.cluster_id}`, tenantId: TENANT },
          )
          .catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The events of the rollouts of `web`, oldest first, with their streams. */
  const rolloutEvents = async (): Promise<
    { stream: string; event: RolloutEvent; actor: string }[]
  > =>
    (
      await pool.query<{ stream_id: string; type: string; data: unknown; actor: string }>(
        `SELECT stream_id, type, data, metadata->>'actor' AS actor FROM events
          WHERE stream_id LIKE 'rollout-%' ORDER BY global_position`,
      )
    ).rows.map((r) => ({
      stream: r.stream_id,
      event: { type: r.type, data: r.data } as RolloutEvent,
      actor: r.actor,
    }));

  const rolloutStatus = async (set = setId) =>
    (
      await pool.query<{
        id: string;
        status: string;
        steps: { waiting: { gate: string } | null }[];
      }>(
        `SELECT id, status, steps FROM ${ROLLOUTS_TABLE} WHERE application_set_id = $1
          ORDER BY started_at DESC, id LIMIT 1`,
        [set],
      )
    ).rows[0];

  beforeAll(async () => {
    repo = createTestRepository('rollout-manifests');
    repo.commit({ 'web/config.yaml': cm('1') });
    db = await createTestDatabase('rollouts');
    pool = createPool(db.url, { max: 6 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    fleet = new AppsetFleet(pool, store);
    worker = await createWorker(config(), { now, renderBatchSize: 3 });
    second = await createWorker(config(), { now, renderBatchSize: 3 });
    await fleet.tenant(TENANT, [{ clusterSelector: {}, namespaces: ['apps'] }]);
    // A rule that pages on the rollout events consoles care about (sending is not under test).
    await store.append(
      notificationRuleStream(randomUUID()),
      'no_stream',
      [
        {
          type: 'NotificationRuleCreated',
          data: {
            tenant: TENANT,
            name: 'rollouts',
            eventTypes: [
              'RolloutGateWaiting',
              'RolloutPaused',
              'RolloutCompleted',
              'RolloutAborted',
            ],
            clusterSelector: null,
            applicationSets: ['web', 'api'],
            health: [],
            target: {
              kind: 'Webhook',
              url: 'https://hooks.example.com/…',
              urlSha256: 'a'.repeat(64),
            },
          },
        },
      ],
      { actor: 'user:admin', tenantId: TENANT },
    );
    for (const [name, ring] of Object.entries(RINGS)) await fleet.cluster(TENANT, name, { ring });
    reporter = reportLoop();
  });
  afterAll(async () => {
    reporting = false;
    await reporter;
    await second?.stop();
    await worker.stop();
    await pool.end();
    await db.drop();
    repo.remove();
  });

  it('rolls a new ApplicationSet out step by step, never past maxUnavailable, each cluster once', async () => {
    setId = await fleet.createSet(TENANT, appSet(repo.url));
    await eventually(async () => {
      expect((await rolloutStatus())?.status).toBe('Completed');
    }, 60_000);
    const all = await rows(setId);
    expect(all).toHaveLength(8);
    for (const r of all) expect(r).toMatchObject({ commit: repo.head(), staged_bundle: null });

    // Rendered three at a time, the revision is still one rollout over all eight.
    const { rows: started } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${ROLLOUTS_TABLE} WHERE application_set_id = $1`,
      [setId],
    );
    expect(Number(started[0]!.n)).toBe(1);
    const events = (await rolloutEvents()).map((e) => e.event);
    const updates = events.flatMap((e) =>
      e.type === 'RolloutTargetsUpdated' ? e.data.targets.map(() => e.data.step) : [],
    );
    expect(updates).toEqual([0, 0, 1, 1, 1, 2, 2, 2]);
    // In flight (updated, not yet Healthy) never more than the step's maxUnavailable.
    const inFlight = new Set<string>();
    let peak = [0, 0, 0];
    for (const e of events) {
      if (e.type === 'RolloutTargetsUpdated')
        for (const t of e.data.targets) inFlight.add(t.applicationId);
      if (e.type === 'RolloutTargetsHealthy')
        for (const t of e.data.targets) inFlight.delete(t.applicationId);
      if (e.type === 'RolloutTargetsUpdated')
        peak = peak.map((p, i) => (i === e.data.step ? Math.max(p, inFlight.size) : p));
    }
    expect(peak[0]).toBeLessThanOrEqual(1);
    expect(peak[1]).toBeLessThanOrEqual(2);
    expect(peak[2]).toBeLessThanOrEqual(2);
    // Each delivery stream got its rendering released exactly once.
    const { rows: released } = await pool.query<{ stream_id: string; n: string }>(
      `SELECT stream_id, count(*) AS n FROM events WHERE type = 'ApplicationRendered'
        GROUP BY stream_id`,
    );
    expect(released).toHaveLength(8);
    for (const r of released) expect(Number(r.n)).toBe(1);
    // Nothing was released before a rollout said so: every release is the rollouts actor's.
    const { rows: actors } = await pool.query<{ actor: string }>(
      `SELECT DISTINCT metadata->>'actor' AS actor FROM events WHERE type = 'ApplicationRendered'`,
    );
    expect(actors).toEqual([{ actor: 'system:rollouts' }]);
    await eventually(async () => expect(await deliveriesOf('RolloutCompleted')).toBe(1), 10_000);
  });

  it('pauses when a cluster of step two turns Degraded and touches nothing of step three; abort rolls back', async () => {
    const before = new Map((await rows(setId)).map((r) => [r.name, r.bundle_id]));
    healthOf.set('e2', 'Degraded');
    const second = repo.commit({ 'web/config.yaml': cm('2') });
    await runJob(
      worker,
      { type: 'git-refresh', repoURL: repo.url },
      jobIds.gitRefresh(repositoryKey(repo.url), second),
    );
    await eventually(async () => {
      expect((await rolloutStatus())?.status).toBe('Paused');
    }, 60_000);
    const now = await rows(setId);
    for (const r of now.filter((x) => x.name.match(/-m\d$/)))
      expect(r.bundle_id).toBe(before.get(r.name)); // step three untouched
    for (const r of now.filter((x) => x.name.match(/-c\d$/))) expect(r.commit).toBe(second);
    const rolloutId = (await rolloutStatus())!.id;
    const events = (await rolloutEvents()).filter((e) => e.stream === `rollout-${rolloutId}`);
    expect(events.map((e) => e.event.type)).toContain('RolloutTargetsFailed');
    expect(events.at(-1)!.event).toMatchObject({ type: 'RolloutPaused', data: { by: 'health' } });

    const engine = new RolloutEngine(pool, store);
    await engine.command(
      rolloutId,
      { type: 'AbortRollout', data: { rollback: true, reason: 'e2 degraded' } },
      'user:alice',
    );
    await eventually(async () => {
      for (const r of await rows(setId)) expect(r.bundle_id).toBe(before.get(r.name));
    }, 20_000);
    const after = (await rolloutEvents()).filter((e) => e.stream === `rollout-${rolloutId}`);
    expect(after.find((e) => e.event.type === 'RolloutAborted')?.actor).toBe('user:alice');
    // An aborted revision is not started again by itself.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await rolloutStatus())?.id).toBe(rolloutId);
    expect((await rolloutStatus())?.status).toBe('Aborted');
    healthOf.delete('e2');
    await eventually(async () => {
      expect(await deliveriesOf('RolloutPaused')).toBe(1);
      expect(await deliveriesOf('RolloutAborted')).toBe(1);
    }, 10_000);
  });

  it('supersedes a waiting rollout when a new revision arrives, explicitly', async () => {
    const pay = await fleet.createSet(
      TENANT,
      appSet(repo.url, 'pay', [
        { name: 'canary', clusters: { matchLabels: { ring: 'canary' } } },
        { name: 'rest', approval: true },
      ]),
    );
    await eventually(async () => {
      expect((await rolloutStatus(pay))?.steps[1]?.waiting?.gate).toBe('Approval');
    }, 60_000);
    const first = (await rolloutStatus(pay))!.id;
    const third = repo.commit({ 'web/config.yaml': cm('3') });
    await runJob(
      worker,
      { type: 'git-refresh', repoURL: repo.url },
      jobIds.gitRefresh(repositoryKey(repo.url), third),
    );
    await eventually(async () => {
      const latest = await rolloutStatus(pay);
      expect(latest?.id).not.toBe(first);
      expect(latest?.steps[1]?.waiting?.gate).toBe('Approval');
    }, 60_000);
    const { rows: both } = await pool.query<{
      id: string;
      status: string;
      supersedes: string | null;
      superseded_by: string | null;
    }>(
      `SELECT id, status, supersedes, superseded_by FROM ${ROLLOUTS_TABLE}
        WHERE application_set_id = $1 ORDER BY started_at`,
      [pay],
    );
    expect(both).toHaveLength(2);
    expect(both[0]).toMatchObject({ id: first, status: 'Superseded', superseded_by: both[1]!.id });
    expect(both[1]).toMatchObject({ status: 'Progressing', supersedes: first });
    // The canary clusters run the newest commit; the rest still nothing.
    for (const r of await rows(pay)) expect(r.commit).toBe(/-c\d$/.test(r.name) ? third : null);
    await second?.stop();
    second = null;
  });

  it('waits for approval, holds a step in a deny window (injected clock), and survives a worker restart with Redis lost mid-bake', async () => {
    // A deny window 00:00-02:00 UTC on the main clusters; the worker's clock is put inside it.
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    offsetMs = midnight.getTime() + 30 * 60_000 - Date.now();
    await store.append(
      `tenant-${TENANT}`,
      'stream_exists',
      [
        {
          type: 'TenantUpdated',
          data: {
            spec: (({ roles: _r, ...spec }) => spec)(
              parseTenantSpec({
                name: TENANT,
                sourceRepos: ['*'],
                destinations: [{ clusterSelector: {}, namespaces: ['apps'] }],
                syncWindows: [
                  { kind: 'deny', schedule: '0 0 * * *', duration: '2h', clusters: ['m*'] },
                ],
              }),
            ),
          },
        },
      ],
      { actor: 'user:admin', tenantId: TENANT },
    );
    const api = await fleet.createSet(
      TENANT,
      appSet(repo.url, 'api', [
        { name: 'canary', clusters: { matchLabels: { ring: 'canary' } } },
        {
          name: 'early',
          clusters: { matchLabels: { ring: 'early' } },
          approval: true,
          minSuccessTime: '4s',
        },
        { name: 'rest' },
      ]),
    );
    await eventually(async () => {
      expect((await rolloutStatus(api))?.steps[1]?.waiting?.gate).toBe('Approval');
    }, 60_000);
    const rolloutId = (await rolloutStatus(api))!.id;
    const engine = new RolloutEngine(pool, store, now);
    await engine.command(
      rolloutId,
      { type: 'ApproveRollout', data: { comment: 'canary looks good' } },
      'user:deployer',
    );
    // Step two updates and bakes; meanwhile the worker goes away and Redis loses its jobs.
    await eventually(async () => {
      const early = (await rows(api)).filter((r) => /-e\d$/.test(r.name));
      expect(early.every((r) => r.bundle_id !== null && r.status_bundle_id === r.bundle_id)).toBe(
        true,
      );
    }, 60_000);
    await worker.stop();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`flotilla:${worker.identity}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    worker = await createWorker(config(), { now, renderBatchSize: 3 });
    // The bake ends and step three is held by the window: nothing reaches the main clusters.
    await eventually(async () => {
      expect((await rolloutStatus(api))?.steps[2]?.waiting?.gate).toBe('SyncWindow');
    }, 60_000);
    for (const r of (await rows(api)).filter((x) => /-m\d$/.test(x.name)))
      expect(r.bundle_id).toBeNull();
    // The clock leaves the window: the step starts and the rollout completes.
    offsetMs += 2 * 3_600_000;
    await eventually(async () => {
      expect((await rolloutStatus(api))?.status).toBe('Completed');
    }, 60_000);
    // The step baked its 4 s before it completed (real time ran with the injected clock then).
    const { rows: bake } = await pool.query<{ healthy: Date; completed: Date }>(
      `SELECT max(recorded_at) FILTER (WHERE type = 'RolloutTargetsHealthy'
                                        AND (data->>'step')::int = 1) AS healthy,
              max(recorded_at) FILTER (WHERE type = 'RolloutStepCompleted'
                                        AND (data->>'step')::int = 1) AS completed
         FROM events WHERE stream_id = $1`,
      [`rollout-${rolloutId}`],
    );
    expect(bake[0]!.completed.getTime() - bake[0]!.healthy.getTime()).toBeGreaterThanOrEqual(3_900);
    // Who approved each step: the log says.
    const approvals = (await rolloutEvents()).filter(
      (e) => e.stream === `rollout-${rolloutId}` && e.event.type === 'RolloutApproved',
    );
    expect(approvals.map((e) => [e.actor, e.event.data])).toEqual([
      ['user:deployer', { step: 1, comment: 'canary looks good' }],
    ]);
    await eventually(async () => {
      expect(await deliveriesOf('RolloutGateWaiting')).toBeGreaterThanOrEqual(2);
    }, 10_000);
    // Each cluster of `api` was released exactly once.
    const { rows: released } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM events e JOIN ${DELIVERIES_TABLE} d
          ON e.stream_id = 'delivery-' || d.application_id
        WHERE d.application_set_id = $1 AND e.type = 'ApplicationRendered'
        GROUP BY e.stream_id`,
      [api],
    );
    expect(released.map((r) => Number(r.n))).toEqual(Array(8).fill(1));
  });
});
