import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import {
  appendApplication,
  generatedSpec,
  poolOf,
} from '../application-sets/application-sets.fixture';
import {
  fleetTokens,
  issueToken,
  registerAgent,
  subscribeOver,
  tenantSpec,
} from '../testing/fleet-fixture';
import { signToken, startTestHub, type TestHub } from '../testing/test-hub';
import { RolloutProgressFeed } from './rollout-progress.feed';
import { bundleOf, commitOf, SimulatedFleet, strategyManifest } from './rollouts.fixture';

const STEPS = `steps { index name state targetCount approvalRequired maxUnavailable
  selection { kind selector { matchLabels } percent } waiting { gate message until }
  approved approvedBy approvedAt approvalComment windowOverriddenBy startedAt completedAt }`;
const ROLLOUT = `id tenant applicationSetId applicationSetName status revision commits reason
  startedBy startedAt finishedAt supersedes supersededBy currentStep version
  strategy { type stepCount maxFailures unavailableClusters maxUnavailableSteps }
  pause { by reason } abort { rollback reason }
  counts { targets updated healthy failed skipped excluded rolledBack } ${STEPS}`;
const TARGET = `applicationId applicationName clusterId clusterName step phase bundleId commit
  updatedAt healthyAt failure { reason message } rolledBack`;
const LIST = `query($filter: RolloutFilter, $first: Int, $after: String) {
  rollouts(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id applicationSetName status targets(first: 2) { totalCount
      edges { node { applicationName phase } } } } } } }`;
const GET = `query($id: ID!, $first: Int, $after: String, $step: Int, $phase: RolloutTargetPhase) {
  rollout(id: $id) { ${ROLLOUT}
    targets(first: $first, after: $after, step: $step, phase: $phase) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${TARGET} } } } } }`;
const TARGETS = `query($id: ID!, $first: Int, $after: String, $step: Int) {
  rollout(id: $id) { targets(first: $first, after: $after, step: $step) { totalCount } } }`;
const HISTORY = `query($id: ID!) { rollout(id: $id) {
  history(first: 100) { edges { node { type actor data } } } } }`;
const START = `mutation($setId: ID!, $reason: String!) {
  startRollout(applicationSetId: $setId, reason: $reason) { ${ROLLOUT} } }`;
const PROMOTE = `mutation($id: ID!, $step: Int, $comment: String) {
  promoteRollout(id: $id, step: $step, comment: $comment) { ${ROLLOUT} } }`;
const OVERRIDE = `mutation($id: ID!, $step: Int, $comment: String) {
  overrideSyncWindow(id: $id, step: $step, comment: $comment) { ${ROLLOUT} } }`;
const PAUSE = `mutation($id: ID!, $reason: String!) { pauseRollout(id: $id, reason: $reason) { ${ROLLOUT} } }`;
const RESUME = `mutation($id: ID!, $comment: String) { resumeRollout(id: $id, comment: $comment) { ${ROLLOUT} } }`;
const ABORT = `mutation($id: ID!, $rollback: Boolean!, $reason: String!) {
  abortRollout(id: $id, rollback: $rollback, reason: $reason) {
    ${ROLLOUT} targets(first: 10) { edges { node { applicationName phase rolledBack } } } } }`;

type Res = Awaited<ReturnType<TestHub['graphql']>>;
type Step = {
  index: number;
  name: string;
  state: string;
  waiting: { gate: string; message: string } | null;
  approvedBy: string | null;
  approvalComment: string | null;
  windowOverriddenBy: string | null;
  [field: string]: unknown;
};
type Rollout = {
  id: string;
  status: string;
  steps: Step[];
  counts: Record<string, number>;
  [field: string]: unknown;
};
type Target = { applicationName: string; phase: string; [field: string]: unknown };
type TargetPage = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: Target }[];
};

/** Clusters of team-a by ring; `a-m1` is under a deny window that allows manual syncs. */
const RINGS: Record<string, string> = {
  'a-c1': 'canary',
  'a-e1': 'early',
  'a-e2': 'early',
  'a-m1': 'main',
};
const WEB_STRATEGY = {
  type: 'Progressive',
  progressive: {
    steps: [
      { name: 'canary', clusters: { matchLabels: { ring: 'canary' } }, maxUnavailable: 1 },
      {
        name: 'early',
        clusters: { matchLabels: { ring: 'early' } },
        maxUnavailable: 1,
        approval: true,
      },
      { name: 'rest' },
    ],
  },
};

describe('rollouts (GraphQL, real Postgres, the real rollout engine)', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let fleet: SimulatedFleet;
  let users: Awaited<ReturnType<typeof fleetTokens>> & { lee: string };
  let webId: string;
  let shopId: string;
  /** The rollouts of web, in the order the tests start them. */
  const rollouts: string[] = [];

  const error = (res: Res) => {
    const e = res.body.errors?.[0];
    return e
      ? { code: e.extensions?.['code'], field: e.extensions?.['field'], message: e.message }
      : null;
  };
  const ok = <T>(res: Res, field: string): T => {
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data?.[field] as T;
  };
  const get = async (id: string, token: string, args: Record<string, unknown> = {}) =>
    ok<Rollout & { targets: TargetPage }>(
      await hub.graphql(GET, { id, ...args }, token),
      'rollout',
    );
  const rolloutEvents = async () =>
    (
      await poolOf(hub).query<{ stream_id: string; type: string; actor: string }>(
        `SELECT stream_id, type, metadata->>'actor' AS actor FROM events
          WHERE stream_id LIKE 'rollout-%' ORDER BY global_position`,
      )
    ).rows;
  /** Every rollout event appended while `act` ran. */
  const appendedBy = async (act: () => Promise<unknown>) => {
    const before = (await rolloutEvents()).length;
    await act();
    return (await rolloutEvents()).slice(before);
  };

  /** Like `subscribeOver`, but keeps each message whole (errors too, not only data). */
  const subscribeWithErrors = (token: string, query: string) => {
    const seen: unknown[] = [];
    const client = createClient({
      url: hub.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const stop = client.subscribe(
      { query },
      {
        next: (m) => seen.push(m),
        error: (e) => seen.push({ error: e }),
        complete: () => undefined,
      },
    );
    return {
      seen,
      close: async () => {
        stop();
        await client.dispose();
      },
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase('rollouts_api');
    hub = await startTestHub(db.url);
    fleet = new SimulatedFleet(hub);
    users = {
      ...(await fleetTokens()),
      lee: await signToken({ sub: 'lee', groups: ['team-a-canary'] }),
    };
    const create = async (spec: Record<string, unknown>) =>
      ok(
        await hub.graphql(
          'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
          { spec },
          users.root,
        ),
        'createTenant',
      );
    const a = tenantSpec('team-a');
    await create({
      ...a,
      // lee sees team-a's ApplicationSets but may sync only its canary Applications.
      roles: [
        ...a.roles,
        {
          name: 'canary',
          groups: ['team-a-canary'],
          policies: [
            'p, proj:team-a:canary, applicationsets, get, team-a/*, allow',
            'p, proj:team-a:canary, applications, sync, team-a/a-c1-*, allow',
          ],
        },
      ],
      syncWindows: [
        {
          kind: 'deny',
          schedule: '0 * * * *',
          duration: '2h',
          clusters: ['a-m*'],
          manualSync: true,
        },
      ],
    });
    await create(tenantSpec('team-b'));
    const tokenA = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 10 });
    const tokenB = await issueToken(hub, users.mallory, { tenant: 'team-b', maxUses: 10 });
    const clusters: Record<string, string> = {};
    for (const [name, ring] of Object.entries(RINGS))
      clusters[name] = (
        await registerAgent(hub, tokenA.value, name, { labels: { ring } })
      ).clusterId;
    clusters['b-1'] = (
      await registerAgent(hub, tokenB.value, 'b-1', { labels: { ring: 'canary' } })
    ).clusterId;
    const CREATE = `mutation($tenant: String!, $manifest: String!) {
      createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }`;
    webId = ok<{ id: string }>(
      await hub.graphql(
        CREATE,
        { tenant: 'team-a', manifest: strategyManifest('web', 'team-a', WEB_STRATEGY) },
        users.alice,
      ),
      'createApplicationSet',
    ).id;
    shopId = ok<{ id: string }>(
      await hub.graphql(
        CREATE,
        {
          tenant: 'team-b',
          manifest: strategyManifest('shop', 'team-b', {
            type: 'Progressive',
            progressive: { steps: [{ name: 'all', approval: true }] },
          }),
        },
        users.mallory,
      ),
      'createApplicationSet',
    ).id;
    // What the worker would have generated: web on every team-a cluster, shop on b-1.
    const placed: [string, string, string, string][] = [
      ...Object.keys(RINGS).map(
        (c) => [webId, 'web', 'team-a', c] as [string, string, string, string],
      ),
      [shopId, 'shop', 'team-b', 'b-1'],
    ];
    for (const [setId, set, tenant, cluster] of placed)
      await appendApplication(hub, {
        setId,
        tenant,
        name: `${cluster}-${set}`,
        clusterId: clusters[cluster]!,
        namespace: set,
        spec: generatedSpec(set, cluster, 'v1', tenant),
      });
    // Revision 1 runs everywhere (released before the strategy mattered); revision 2 is held.
    for (const setId of [webId, shopId]) {
      await fleet.render(setId, 1, false);
      await fleet.report(setId);
      await fleet.render(setId, 2, true);
      await fleet.drive(setId);
    }
    const latest = await poolOf(hub).query<{ id: string }>(
      `SELECT stream_id AS id FROM events WHERE type = 'RolloutStarted'
        AND data->>'applicationSetId' = $1`,
      [webId],
    );
    rollouts.push(latest.rows[0]!.id.slice('rollout-'.length));
  });
  afterAll(async () => {
    await hub.close();
    await db.drop();
  });

  it('lists rollouts and shows one with its steps, gates and per-cluster table', async () => {
    const [id] = rollouts as [string];
    const list = ok<{ edges: { node: Record<string, unknown> }[] }>(
      await hub.graphql(LIST, {}, users.alice),
      'rollouts',
    );
    expect(list.edges.map((e) => e.node)).toEqual([
      {
        id,
        applicationSetName: 'web',
        status: 'Progressing',
        targets: {
          totalCount: 4,
          edges: [
            { node: { applicationName: 'a-c1-web', phase: 'Healthy' } },
            { node: { applicationName: 'a-e1-web', phase: 'Pending' } },
          ],
        },
      },
    ]);
    const rollout = await get(id, users.vic, { first: 10 });
    expect(rollout).toMatchObject({
      tenant: 'team-a',
      applicationSetId: webId,
      applicationSetName: 'web',
      status: 'Progressing',
      commits: [commitOf(2)],
      startedBy: 'system:rollouts',
      supersedes: null,
      supersededBy: null,
      pause: null,
      abort: null,
      currentStep: 1,
      strategy: {
        type: 'Progressive',
        stepCount: 3,
        maxFailures: '0',
        unavailableClusters: 'Wait',
        maxUnavailableSteps: 0,
      },
      counts: {
        targets: 4,
        updated: 1,
        healthy: 1,
        failed: 0,
        skipped: 0,
        excluded: 0,
        rolledBack: 0,
      },
    });
    expect(rollout.reason).toMatch(/held for 4 Application/);
    expect(rollout.steps).toEqual([
      expect.objectContaining({
        index: 0,
        name: 'canary',
        state: 'Completed',
        targetCount: 1,
        approvalRequired: false,
        maxUnavailable: '1',
        selection: {
          kind: 'ClusterLabels',
          selector: { matchLabels: { ring: 'canary' } },
          percent: null,
        },
        waiting: null,
        completedAt: expect.any(String),
      }),
      expect.objectContaining({
        index: 1,
        name: 'early',
        state: 'Waiting',
        targetCount: 2,
        approvalRequired: true,
        waiting: expect.objectContaining({ gate: 'Approval' }),
        approved: false,
        approvedBy: null,
      }),
      expect.objectContaining({
        index: 2,
        name: 'rest',
        state: 'Pending',
        targetCount: 1,
        selection: { kind: 'Rest', selector: null, percent: null },
      }),
    ]);
    const table = rollout.targets;
    expect(table.totalCount).toBe(4);
    expect(
      table.edges.map((e) => [
        e.node.applicationName,
        e.node.clusterName,
        e.node.step,
        e.node.phase,
      ]),
    ).toEqual([
      ['a-c1-web', 'a-c1', 0, 'Healthy'],
      ['a-e1-web', 'a-e1', 1, 'Pending'],
      ['a-e2-web', 'a-e2', 1, 'Pending'],
      ['a-m1-web', 'a-m1', 2, 'Pending'],
    ]);
    expect(table.edges[0]!.node).toMatchObject({
      bundleId: bundleOf('a-c1-web', 2),
      commit: commitOf(2),
      updatedAt: expect.any(String),
      healthyAt: expect.any(String),
      failure: null,
      rolledBack: false,
    });
    // Paged, and filtered by step and phase.
    const first = await get(id, users.alice, { first: 3 });
    expect(first.targets.pageInfo.hasNextPage).toBe(true);
    const rest = await get(id, users.alice, { first: 3, after: first.targets.pageInfo.endCursor });
    expect(rest.targets.edges.map((e) => e.node.applicationName)).toEqual(['a-m1-web']);
    expect(rest.targets).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: false } });
    const early = await get(id, users.alice, { step: 1 });
    expect(early.targets.edges.map((e) => e.node.applicationName)).toEqual([
      'a-e1-web',
      'a-e2-web',
    ]);
    const healthy = await get(id, users.alice, { phase: 'Healthy' });
    expect(healthy.targets).toMatchObject({
      totalCount: 1,
      edges: [{ node: { applicationName: 'a-c1-web' } }],
    });

    // Filters of the list; team-b's admin sees team-b's rollout only.
    const names = async (filter: Record<string, unknown>, token = users.alice) =>
      ok<{ edges: { node: { applicationSetName: string } }[] }>(
        await hub.graphql(LIST, { filter }, token),
        'rollouts',
      ).edges.map((e) => e.node.applicationSetName);
    expect(await names({ applicationSetId: webId })).toEqual(['web']);
    expect(await names({ applicationSetName: 'web', status: 'Progressing' })).toEqual(['web']);
    expect(await names({ status: 'Completed' })).toEqual([]);
    expect(await names({ applicationSetId: 'not-a-uuid' })).toEqual([]);
    expect(await names({}, users.mallory)).toEqual(['shop']);
    expect(await names({ tenant: 'team-a' }, users.mallory)).toEqual([]);
    expect(await names({ applicationSetId: webId }, users.mallory)).toEqual([]);
    expect(error(await hub.graphql(LIST, { first: 0 }, users.alice))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect(error(await hub.graphql(LIST, { after: 'nope' }, users.alice))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });

  it("hides another tenant's rollout exactly as a missing one, and lets its users do nothing", async () => {
    const [id] = rollouts as [string];
    const missing = randomUUID();
    const hidden = error(await hub.graphql(GET, { id }, users.mallory));
    const absent = error(await hub.graphql(GET, { id: missing }, users.mallory));
    expect(hidden).toEqual({
      code: 'NOT_FOUND',
      field: undefined,
      message: `rollout ${id} not found`,
    });
    expect(absent).toEqual({ ...hidden, message: `rollout ${missing} not found` });
    expect(error(await hub.graphql(GET, { id: 'nope' }, users.alice))?.code).toBe('NOT_FOUND');
    const attempts: [string, Record<string, unknown>][] = [
      [PROMOTE, { id, step: 1 }],
      [OVERRIDE, { id }],
      [PAUSE, { id, reason: 'mine now' }],
      [RESUME, { id }],
      [ABORT, { id, rollback: true, reason: 'mine now' }],
      [START, { setId: webId, reason: 'mine now' }],
    ];
    const appended = await appendedBy(async () => {
      for (const [mutation, variables] of attempts) {
        const res = await hub.graphql(mutation, variables, users.mallory);
        expect(error(res)?.code).toBe('NOT_FOUND');
        expect(res.body.errors?.[0]?.message).not.toMatch(/web|team-a/);
      }
      // Nor may team-a's deployer touch team-b's.
      expect(error(await hub.graphql(START, { setId: shopId, reason: 'x' }, users.bob))?.code).toBe(
        'NOT_FOUND',
      );
    });
    expect(appended).toEqual([]);
  });

  it('holds the approval gate: a viewer is refused, a deployer promotes and is recorded', async () => {
    const [id] = rollouts as [string];
    const refused = await appendedBy(async () => {
      // vic may read (viewer) but not sync; lee may sync the canary Applications only.
      for (const token of [users.vic, users.lee]) {
        const res = await hub.graphql(PROMOTE, { id, step: 1, comment: 'lgtm' }, token);
        expect(error(res)?.code).toBe('FORBIDDEN');
      }
      const lee = await hub.graphql(PROMOTE, { id, step: 1 }, users.lee);
      expect(error(lee)?.message).toMatch(/applications, sync on team-a\/a-e1-web/);
    });
    expect(refused).toEqual([]);
    // Waiting at the gate, the Applications of the later step show their rendering held.
    const held = ok<{
      edges: { node: { delivery: { commit: string | null; held: { commit: string } | null } } }[];
    }>(
      await hub.graphql(
        `query($id: ID!) { applications(filter: { applicationSetId: $id }, first: 50) {
           edges { node { delivery { commit held { commit } } } } } }`,
        { id: webId },
        users.bob,
      ),
      'applications',
    ).edges.map((e) => e.node.delivery);
    expect(held.some((d) => d.held !== null)).toBe(true);
    expect(held.some((d) => d.held === null)).toBe(true);
    for (const d of held) if (d.held) expect(d.commit).not.toBe(d.held.commit);

    const promoted = ok<Rollout>(
      await hub.graphql(PROMOTE, { id, step: 1, comment: 'canary looks good' }, users.bob),
      'promoteRollout',
    );
    expect(promoted.steps[1]).toMatchObject({
      approved: true,
      approvedBy: 'bob',
      approvedAt: expect.any(String),
      approvalComment: 'canary looks good',
      waiting: null,
    });
    const approvals = (await rolloutEvents()).filter((e) => e.type === 'RolloutApproved');
    expect(approvals).toEqual([
      { stream_id: `rollout-${id}`, type: 'RolloutApproved', actor: 'bob' },
    ]);
    // With the request's metadata, as every other mutation records it.
    const { rows: meta } = await poolOf(hub).query<{ request_id: string | null; groups: unknown }>(
      `SELECT metadata->>'requestId' AS request_id, metadata->'actorGroups' AS groups
         FROM events WHERE type = 'RolloutApproved' AND stream_id = $1`,
      [`rollout-${id}`],
    );
    expect(meta[0]?.request_id).toEqual(expect.any(String));
    expect(Array.isArray(meta[0]?.groups)).toBe(true);
    // Nothing waits for approval any more.
    expect(error(await hub.graphql(PROMOTE, { id }, users.bob))?.code).toBe('CONFLICT');

    // The worker goes on; the last step waits at team-a's sync window, which allows manual syncs.
    await fleet.drive(webId);
    let rollout = await get(id, users.alice);
    expect(rollout.steps.map((s) => s.state)).toEqual(['Completed', 'Completed', 'Waiting']);
    expect(rollout.steps[2]!.waiting?.gate).toBe('SyncWindow');
    expect(error(await hub.graphql(OVERRIDE, { id }, users.vic))?.code).toBe('FORBIDDEN');
    const overridden = ok<Rollout>(
      await hub.graphql(OVERRIDE, { id, step: 2, comment: 'hotfix' }, users.bob),
      'overrideSyncWindow',
    );
    expect(overridden.steps[2]).toMatchObject({ windowOverriddenBy: 'bob', waiting: null });
    await fleet.drive(webId);
    rollout = await get(id, users.alice);
    expect(rollout).toMatchObject({
      status: 'Completed',
      finishedAt: expect.any(String),
      currentStep: null,
    });
    expect(rollout.counts).toMatchObject({ targets: 4, updated: 4, healthy: 4 });

    // The audit answer: who approved each step, from the steps and from the rollout's history.
    expect(rollout.steps.map((s) => [s.name, s.approvedBy, s.windowOverriddenBy])).toEqual([
      ['canary', null, null],
      ['early', 'bob', null],
      ['rest', null, 'bob'],
    ]);
    const history = ok<{
      history: { edges: { node: { type: string; actor: string; data: { step?: number } } }[] };
    }>(await hub.graphql(HISTORY, { id }, users.vic), 'rollout').history.edges.map((e) => e.node);
    expect(
      history.filter(
        (e) => e.type === 'RolloutApproved' || e.type === 'RolloutSyncWindowOverridden',
      ),
    ).toEqual([
      {
        type: 'RolloutSyncWindowOverridden',
        actor: 'bob',
        data: expect.objectContaining({ step: 2 }),
      },
      { type: 'RolloutApproved', actor: 'bob', data: { step: 1, comment: 'canary looks good' } },
    ]);
    expect(history.at(-1)).toMatchObject({ type: 'RolloutStarted', actor: 'system:rollouts' });
    // The tenant's auditors find the same in the audit log.
    const audit = ok<{ edges: { node: { streamId: string; actor: string } }[] }>(
      await hub.graphql(
        `query { auditLog(filter: {tenantId: "team-a", types: ["RolloutApproved"]}) {
          edges { node { streamId actor } } } }`,
        {},
        users.alice,
      ),
      'auditLog',
    );
    expect(audit.edges.map((e) => e.node)).toEqual([{ streamId: `rollout-${id}`, actor: 'bob' }]);
  });

  it('starts, pauses, resumes and aborts with rollback, recording each actor', async () => {
    await fleet.render(webId, 3, true);
    const refused = await appendedBy(async () => {
      expect(
        error(await hub.graphql(START, { setId: webId, reason: 'ship 3' }, users.vic))?.code,
      ).toBe('FORBIDDEN');
    });
    expect(refused).toEqual([]);
    const started = ok<Rollout>(
      await hub.graphql(START, { setId: webId, reason: 'ship revision 3' }, users.bob),
      'startRollout',
    );
    const id = started.id;
    rollouts.push(id);
    expect(started).toMatchObject({
      status: 'Progressing',
      startedBy: 'bob',
      reason: 'ship revision 3',
      commits: [commitOf(3)],
      counts: { targets: 4, updated: 1 },
    });
    const paused = ok<Rollout>(
      await hub.graphql(PAUSE, { id, reason: 'watching the canary' }, users.bob),
      'pauseRollout',
    );
    expect(paused).toMatchObject({
      status: 'Paused',
      pause: { by: 'User', reason: 'watching the canary' },
    });
    expect(error(await hub.graphql(PAUSE, { id, reason: 'again' }, users.bob))?.code).toBe(
      'CONFLICT',
    );
    // Paused: the worker updates nothing more.
    await fleet.drive(webId);
    expect((await get(id, users.alice)).counts).toMatchObject({ updated: 1 });
    const resumed = ok<Rollout>(
      await hub.graphql(RESUME, { id, comment: 'fine' }, users.bob),
      'resumeRollout',
    );
    expect(resumed).toMatchObject({ status: 'Progressing', pause: null });
    await fleet.drive(webId);
    expect((await get(id, users.alice)).steps[1]!.waiting?.gate).toBe('Approval');

    const before = await fleet.running(webId);
    expect(before.get('a-c1-web')).toBe(bundleOf('a-c1-web', 3));
    const aborted = ok<Rollout & { targets: { edges: { node: Target }[] } }>(
      await hub.graphql(ABORT, { id, rollback: true, reason: 'revision 3 is bad' }, users.alice),
      'abortRollout',
    );
    expect(aborted).toMatchObject({
      status: 'Aborted',
      abort: { rollback: true, reason: 'revision 3 is bad' },
      finishedAt: expect.any(String),
      counts: { rolledBack: 1 },
    });
    expect(aborted.targets.edges[0]!.node).toEqual({
      applicationName: 'a-c1-web',
      phase: 'Healthy',
      rolledBack: true,
    });
    await fleet.settle();
    expect((await fleet.running(webId)).get('a-c1-web')).toBe(bundleOf('a-c1-web', 2));
    expect(error(await hub.graphql(RESUME, { id }, users.bob))?.code).toBe('CONFLICT');

    const actors = (await rolloutEvents())
      .filter((e) => e.stream_id === `rollout-${id}`)
      .filter((e) => !e.type.startsWith('RolloutTargets') && !e.type.startsWith('RolloutStep'))
      .map((e) => [e.type, e.actor]);
    expect(actors).toEqual([
      ['RolloutStarted', 'bob'],
      ['RolloutPaused', 'bob'],
      ['RolloutResumed', 'bob'],
      ['RolloutGateWaiting', 'system:rollouts'],
      ['RolloutAborted', 'alice'],
      ['RolloutRolledBack', 'alice'],
    ]);
  });

  it('refuses bad inputs naming the field, appending nothing', async () => {
    await fleet.render(webId, 4, true);
    await fleet.drive(webId);
    const latest = ok<{ edges: { node: { id: string; status: string } }[] }>(
      await hub.graphql(LIST, { filter: { applicationSetId: webId }, first: 1 }, users.alice),
      'rollouts',
    ).edges[0]!.node;
    expect(latest.status).toBe('Progressing');
    const id = latest.id;
    rollouts.push(id);
    const long = 'x'.repeat(1025);
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [PAUSE, { id, reason: long }, 'reason', /^reason: must be at most 1024 characters$/],
      [PAUSE, { id, reason: '  ' }, 'reason', /^reason: must not be empty$/],
      [ABORT, { id, rollback: false, reason: long }, 'reason', /at most 1024/],
      [START, { setId: webId, reason: long }, 'reason', /at most 1024/],
      [PROMOTE, { id, comment: long }, 'comment', /^comment: must be at most 1024 characters$/],
      [RESUME, { id, comment: long }, 'comment', /at most 1024/],
      [OVERRIDE, { id, comment: long }, 'comment', /at most 1024/],
      [PROMOTE, { id, step: -1 }, 'step', /^step: /],
      [PROMOTE, { id, step: 7 }, 'step', /^step: must be a step index from 0 to 2$/],
      [TARGETS, { id, first: 501 }, 'first', /^first: /],
      [TARGETS, { id, after: 'garbage' }, 'after', /^after: /],
      [TARGETS, { id, step: -1 }, 'step', /^step: /],
    ];
    const appended = await appendedBy(async () => {
      for (const [operation, variables, field, message] of cases) {
        const e = error(await hub.graphql(operation, variables, users.bob));
        expect({ field, e }).toEqual({
          field,
          e: { code: 'BAD_USER_INPUT', field, message: expect.stringMatching(message) },
        });
      }
    });
    expect(appended).toEqual([]);
    // A reason of exactly 1024 characters is fine.
    const ok1024 = await hub.graphql(PAUSE, { id, reason: 'y'.repeat(1024) }, users.bob);
    expect(ok<Rollout>(ok1024, 'pauseRollout').status).toBe('Paused');
  });

  it('pushes the rollout to subscribers who may see it each time its stream gets events', async () => {
    const id = rollouts.at(-1)!;
    const SUB = `subscription { rolloutProgress(id: "${id}") { status version
      steps { state approvedBy } counts { updated healthy } } }`;
    const alice = subscribeOver(hub, users.alice, SUB);
    const mallory = subscribeWithErrors(users.mallory, SUB);
    const feed = hub.app.get(RolloutProgressFeed);
    const until = async (check: () => boolean, what: string) => {
      for (const deadline = Date.now() + 10_000; !check();) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => feed.subscribers === 1 && alice.seen.length === 1, 'the first push');
      type Push = {
        rolloutProgress: {
          status: string;
          version: number;
          steps: { state: string; approvedBy: string | null }[];
        };
      };
      expect((alice.seen[0] as Push).rolloutProgress.status).toBe('Paused');
      await until(() => mallory.seen.length === 1, "mallory's error");
      // Told exactly what a missing rollout is told. (Errors over graphql-ws bypass the hub's
      // formatError, so they carry no extensions.code: true of every subscription so far.)
      expect(mallory.seen).toEqual([
        { errors: [expect.objectContaining({ message: `rollout ${id} not found` })] },
      ]);

      ok(await hub.graphql(RESUME, { id }, users.bob), 'resumeRollout');
      await until(
        () => alice.seen.some((p) => (p as Push).rolloutProgress.status === 'Progressing'),
        'the resume',
      );
      // The worker moves it on: canary updated and Healthy, then the approval gate.
      await fleet.drive(webId);
      await until(
        () => alice.seen.some((p) => (p as Push).rolloutProgress.steps[1]!.state === 'Waiting'),
        'the approval gate',
      );
      ok(await hub.graphql(PROMOTE, { id, comment: 'go' }, users.bob), 'promoteRollout');
      await until(
        () => alice.seen.some((p) => (p as Push).rolloutProgress.steps[1]!.approvedBy === 'bob'),
        'the approval',
      );
      const versions = alice.seen.map((p) => (p as Push).rolloutProgress.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(new Set(versions).size).toBe(versions.length);
      expect(mallory.seen).toHaveLength(1);
    } finally {
      await alice.close();
      await mallory.close();
    }
    await until(() => feed.subscribers === 0, 'the subscriber to leave');
  });
});
