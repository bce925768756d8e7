// npm run demo — one command from a fresh clone to a running hub and worker:
// installs dependencies if missing, gets Postgres and Redis (Docker Compose when an engine is
// there, else the ones on the default ports), migrates, starts hub and worker, renders the examples,
// and prints the GraphQL URL with a development token. `--check` stops after verifying.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const port = Number(process.env.PORT ?? 4000);
// The worker's /metrics, /healthz and /readyz (the hub serves its own on `port`).
const metricsPort = Number(process.env.METRICS_PORT ?? port + 5464);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const step = (text) => console.log(`\n▸ ${text}`);
let stopping = false;
const children = [];
const stopAll = () => {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
};
const fail = (text) => {
  console.error(`\n✗ ${text}`);
  // The hub, worker and fleet this run started stop with it (their logs stay in .demo/).
  stopAll();
  process.exit(1);
};

function installIfMissing() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  step('installing dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

async function answers() {
  const require = createRequire(join(root, 'package.json'));
  const { Client } = require('pg');
  const { Redis } = require('ioredis');
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const pg = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 2000 });
  const pgOk = await pg.connect().then(
    () => pg.end().then(() => true),
    () => false,
  );
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  const redisOk = await redis
    .connect()
    .then(() => redis.ping())
    .then(
      () => true,
      () => false,
    );
  redis.disconnect();
  return { pgOk, redisOk };
}

async function ensureServices() {
  step(`checking Postgres (${databaseUrl}) and Redis (${redisUrl})`);
  let { pgOk, redisOk } = await answers();
  if (pgOk && redisOk) return console.log('  both answer');
  const docker = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  if (docker) {
    step('starting Postgres and Redis with Docker Compose');
    execFileSync('docker', ['compose', 'up', '-d', '--wait', 'postgres', 'redis'], {
      cwd: root,
      stdio: 'inherit',
    });
    ({ pgOk, redisOk } = await answers());
  }
  if (!pgOk || !redisOk) {
    fail(
      `${pgOk ? '' : 'Postgres does not answer. '}${redisOk ? '' : 'Redis does not answer. '}\n` +
        '  Start them with `docker compose up -d postgres redis`, or install them locally:\n' +
        '    Postgres: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        '    Redis:    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n' +
        '  or point DATABASE_URL and REDIS_URL at yours, then run `npm run demo` again.',
    );
  }
}

function run(script, env = {}) {
  return execFileSync(process.execPath, ['-r', '@swc-node/register', ...script], {
    cwd: root,
    env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.json', DATABASE_URL: databaseUrl, ...env },
    encoding: 'utf8',
  });
}

function startApp(app, env, logDir, script = [`apps/${app}/src/main.ts`]) {
  const log = createWriteStream(join(logDir, `${app}.log`));
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', '-r', 'reflect-metadata', ...script],
    {
      cwd: root,
      env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', (code) => {
    if (!stopping) fail(`${app} exited (code ${code}); see ${join(logDir, `${app}.log`)}`);
  });
  return child;
}

async function waitReady(url, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  fail(`the hub did not become ready at ${url} within ${seconds}s; see .demo/hub.log`);
}

async function graphql(query, token, variables = {}) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

process.on('SIGINT', () => {
  stopAll();
  process.exit(0);
});

installIfMissing();
await ensureServices();
const logDir = join(root, '.demo');
mkdirSync(logDir, { recursive: true });
step('creating the database if needed, then migrating');
console.log(
  execFileSync(process.execPath, ['scripts/migrate.mjs'], {
    cwd: root,
    // The apps run from the sources: their migrations come from there too.
    env: { ...process.env, DATABASE_URL: databaseUrl, MIGRATE_FROM_SOURCES: '1' },
    encoding: 'utf8',
  })
    .trim()
    .replace(/^/gm, '  '),
);

const secret = process.env.AUTH_JWT_SECRET ?? randomBytes(32).toString('hex');
// Kubeconfigs are sealed with this key; it is kept in .demo/ so later runs can still open them.
const keyFile = join(logDir, 'secrets-key');
if (!existsSync(keyFile))
  writeFileSync(keyFile, `demo:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
const env = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  AUTH_JWT_SECRET: secret,
  SECRETS_KEYS: process.env.SECRETS_KEYS ?? readFileSync(keyFile, 'utf8').trim(),
  // A lively demo: heartbeats every 10 s, sweeps every 5 s (production defaults: 30 s and 10 s).
  HEARTBEAT_INTERVAL_SECONDS: process.env.HEARTBEAT_INTERVAL_SECONDS ?? '10',
  SWEEP_INTERVAL_SECONDS: process.env.SWEEP_INTERVAL_SECONDS ?? '5',
  MIGRATE_ON_START: 'false',
  // The delivery step renders from a local repository under .demo/repos.
  GIT_ALLOW_FILE_URLS: 'true',
  // The notifications step sends to a receiver on 127.0.0.1.
  NOTIFY_ALLOW_PRIVATE_NETWORKS: 'true',
  // The rollout step announces its pushes as a Git host would.
  GIT_WEBHOOK_SECRET: process.env.GIT_WEBHOOK_SECRET ?? 'demo-webhook-secret-0123456789',
  PORT: String(port),
  HOST: '127.0.0.1',
  METRICS_PORT: String(metricsPort),
  METRICS_HOST: '127.0.0.1',
};
step(`starting hub (port ${port}) and worker; logs in .demo/`);
children.push(startApp('hub', env, logDir), startApp('worker', env, logDir));
await waitReady(`http://127.0.0.1:${port}/readyz`);

step('signing development tokens and creating the sample tenants');
const token = run(['scripts/dev-token.ts'], { AUTH_JWT_SECRET: secret }).trim();
const aliceToken = run(['scripts/dev-token.ts', 'alice', 'team-a-admins'], {
  AUTH_JWT_SECRET: secret,
}).trim();
// Local Git repositories the demo writes (file:// URLs are allowed for the demo's hub and worker).
const demoRepos = join(logDir, 'repos');
const sampleTenant = (name, repo) => ({
  name,
  description: `sample tenant ${name}`,
  sourceRepos: [repo, `file://${demoRepos}/${name}-*`],
  destinations: [{ clusterSelector: { matchLabels: { team: name } }, namespaces: [`${name}-*`] }],
  clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
  roles: [
    { name: 'admin', groups: [`${name}-admins`] },
    { name: 'deployer', groups: [`${name}-devs`] },
    { name: 'viewer', groups: [`${name}-viewers`] },
  ],
  syncWindows: [
    {
      kind: 'deny',
      schedule: '0 22 * * 5',
      duration: '60h',
      timeZone: 'Europe/Berlin',
      applications: ['*'],
      manualSync: true,
    },
  ],
});
for (const [name, repo] of [
  ['team-a', 'https://github.com/example/team-a-*'],
  ['team-b', 'https://gitlab.com/example/team-b/*'],
]) {
  const created = await graphql(
    'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name version } }',
    token,
    { spec: sampleTenant(name, repo) },
  );
  const code = created.errors?.[0]?.extensions?.code;
  if (code && code !== 'CONFLICT')
    fail(`creating ${name} failed: ${JSON.stringify(created.errors)}`);
  if (code === 'CONFLICT') {
    // An earlier run created it: bring its rules to this run's (the demo repositories' path).
    const updated = await graphql(
      'mutation($spec: TenantSpecInput!) { updateTenant(spec: $spec) { name } }',
      token,
      { spec: sampleTenant(name, repo) },
    );
    if (updated.errors) fail(`updating ${name} failed: ${JSON.stringify(updated.errors)}`);
  }
  console.log(`  ${name}: ${code === 'CONFLICT' ? 'already there' : 'created'}`);
}
const asAlice = await graphql('{ tenants { totalCount edges { node { name } } } }', aliceToken);
console.log(
  `  alice (team-a-admins) sees: ${asAlice.data.tenants.edges.map((e) => e.node.name).join(', ')}`,
);
const audit = await graphql(
  '{ auditLog(first: 3) { edges { node { position type streamId actor recordedAt } } } }',
  token,
);
if (audit.errors) fail(`the sample query failed: ${JSON.stringify(audit.errors)}`);
const newest = audit.data.auditLog.edges.map(
  (e) => `${e.node.type}@${e.node.streamId} by ${e.node.actor}`,
);
console.log(`  newest audit events: ${newest.join(', ') || '(none yet)'}`);

step('starting a simulated fleet of 20 clusters (one fake Kubernetes API, 20 real agents)');
const fleetToken = await graphql(
  `
    mutation ($input: CreateRegistrationTokenInput!) {
      createRegistrationToken(input: $input) {
        value
        token {
          id
        }
      }
    }
  `,
  aliceToken,
  // mayReplace: a later demo run re-registers the same clusters instead of adding new ones.
  { input: { tenant: 'team-a', maxUses: 20, ttlSeconds: 3600, mayReplace: true } },
);
if (fleetToken.errors)
  fail(`creating the fleet token failed: ${JSON.stringify(fleetToken.errors)}`);
console.log(
  `  alice issued registration token ${fleetToken.data.createRegistrationToken.token.id} (20 uses)`,
);
children.push(
  startApp('fleet', {}, logDir, [
    'scripts/fleet.ts',
    '--clusters',
    '20',
    '--hub',
    `http://127.0.0.1:${port}`,
    '--tenant',
    'team-a',
    '--token',
    fleetToken.data.createRegistrationToken.value,
  ]),
);
const CLUSTERS = `{ clusters(filter: { tenant: "team-a", connectivity: [Ready] }, first: 100) { totalCount edges { node { name labels facts { kubernetesVersion } } } } }`;
for (const deadline = Date.now() + 60_000; ;) {
  const ready = await graphql(CLUSTERS, aliceToken);
  const count = ready.data?.clusters?.totalCount ?? 0;
  if (count >= 20) {
    const sample = ready.data.clusters.edges
      .slice(0, 3)
      .map(
        (e) => `${e.node.name} ${JSON.stringify(e.node.labels)} ${e.node.facts.kubernetesVersion}`,
      );
    console.log(`  20 clusters Ready in team-a, e.g.\n    ${sample.join('\n    ')}`);
    break;
  }
  if (Date.now() > deadline)
    fail(`only ${count} of 20 clusters registered within 60 s; see .demo/fleet.log`);
  await new Promise((r) => setTimeout(r, 500));
}
const summary = await graphql(
  `
    {
      fleetSummary {
        overall {
          clusters
          byConnectivity {
            connectivity
            count
          }
          byKubernetesMinor {
            version
            count
          }
        }
      }
    }
  `,
  token,
);
if (summary.errors) fail(`fleetSummary failed: ${JSON.stringify(summary.errors)}`);
const overall = summary.data.fleetSummary.overall;
console.log(
  `  fleetSummary: ${overall.clusters} clusters; ${overall.byConnectivity.map((c) => `${c.connectivity} ${c.count}`).join(', ')}; ${overall.byKubernetesMinor.map((v) => `${v.version} ${v.count}`).join(', ')}`,
);
const prodEu = await graphql(
  `
    {
      clusters(filter: { selector: "env=prod,region in (eu-west)" }) {
        totalCount
        edges {
          node {
            name
          }
        }
      }
    }
  `,
  aliceToken,
);
console.log(
  `  selector env=prod,region in (eu-west): ${prodEu.data.clusters.edges.map((e) => e.node.name).join(', ')}`,
);

step(
  'an ApplicationSet over the fleet: preview, create, Applications per cluster, the deletion brake',
);
const guestbook = (envs) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - clusters:
              selector:
                matchExpressions:
                  - { key: env, operator: In, values: [${envs.join(', ')}] }
          - list:
              elements:
                - component: frontend
                - component: backend
  template:
    metadata:
      name: '{{.name}}-{{.component}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/example/team-a-guestbook
        targetRevision: main
        path: '{{.component}}'
      destination:
        server: '{{.server}}'
        namespace: team-a-{{.component}}
`;
const PREVIEW = `mutation($tenant: String!, $manifest: String!) {
  previewApplicationSet(tenant: $tenant, manifest: $manifest) {
    ok created { name } deleted { name } unchanged { name }
    held { deletions currentCount threshold } failure { reason message } } }`;
const preview = await graphql(PREVIEW, aliceToken, {
  tenant: 'team-a',
  manifest: guestbook(['prod', 'staging']),
});
if (preview.errors) fail(`previewApplicationSet failed: ${JSON.stringify(preview.errors)}`);
const p0 = preview.data.previewApplicationSet;
console.log(
  `  preview (nothing written): ${p0.created.length} to create, ${p0.unchanged.length} unchanged, ${p0.deleted.length} to delete`,
);
let appSet = await graphql(
  'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id name } }',
  aliceToken,
  { tenant: 'team-a', manifest: guestbook(['prod', 'staging']) },
);
let appSetId = appSet.data?.createApplicationSet?.id;
if (!appSetId) {
  if (appSet.errors?.[0]?.extensions?.code !== 'CONFLICT')
    fail(`createApplicationSet failed: ${JSON.stringify(appSet.errors)}`);
  const found = await graphql(
    '{ applicationSets(filter: { tenant: "team-a", search: "guestbook" }) { edges { node { id name } } } }',
    aliceToken,
  );
  appSetId = found.data.applicationSets.edges.find((e) => e.node.name === 'guestbook')?.node.id;
  const updated = await graphql(
    'mutation($id: ID!, $manifest: String!) { updateApplicationSet(id: $id, manifest: $manifest) { id } }',
    aliceToken,
    { id: appSetId, manifest: guestbook(['prod', 'staging']) },
  );
  if (updated.errors) fail(`updateApplicationSet failed: ${JSON.stringify(updated.errors)}`);
  console.log('  guestbook: already there (kept as it was)');
} else {
  console.log(`  alice created ApplicationSet guestbook (${appSetId})`);
}
const expectedApps = p0.created.length + p0.unchanged.length;
for (const deadline = Date.now() + 60_000; ;) {
  const now = await graphql(
    'query($id: ID!) { applicationSet(id: $id) { applicationCount status { lastGeneration { created unchanged } failure { reason message } } } }',
    aliceToken,
    { id: appSetId },
  );
  const set = now.data?.applicationSet;
  if (set?.status.failure) fail(`generation failed: ${JSON.stringify(set.status.failure)}`);
  if (set && set.applicationCount >= expectedApps && set.status.lastGeneration) {
    console.log(`  the worker generated ${set.applicationCount} Applications`);
    break;
  }
  if (Date.now() > deadline)
    fail('the Applications did not appear within 60 s; see .demo/worker.log');
  await new Promise((r) => setTimeout(r, 300));
}
const euApps = await graphql(
  'query($id: ID!) { applications(filter: { applicationSetId: $id, selector: "region=eu-west" }, first: 4) { totalCount edges { node { name namespace cluster { name } } } } }',
  aliceToken,
  { id: appSetId },
);
if (euApps.errors) fail(`applications failed: ${JSON.stringify(euApps.errors)}`);
console.log(
  `  applications on region=eu-west clusters: ${euApps.data.applications.totalCount}, e.g. ${euApps.data.applications.edges
    .map((e) => `${e.node.name} → ${e.node.cluster.name}/${e.node.namespace}`)
    .join(', ')}`,
);
const narrowed = await graphql(PREVIEW, aliceToken, {
  tenant: 'team-a',
  manifest: guestbook(['prod']),
});
const p1 = narrowed.data?.previewApplicationSet;
if (!p1) fail(`previewApplicationSet failed: ${JSON.stringify(narrowed.errors)}`);
console.log(
  p1.held
    ? `  preview of env=prod only: ${p1.held.deletions.length} of ${p1.held.currentCount} deletions would wait for confirmation (brake at ${p1.held.threshold})`
    : `  preview of env=prod only: ${p1.deleted.length} deletions`,
);

step('delivery: render from Git, agents apply with server-side apply, status and health come back');
const shopRepo = join(demoRepos, 'team-a-shop');
mkdirSync(shopRepo, { recursive: true });
const gitIn = (dir, ...args) =>
  execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'demo',
      GIT_AUTHOR_EMAIL: 'demo@flotilla.dev',
      GIT_COMMITTER_NAME: 'demo',
      GIT_COMMITTER_EMAIL: 'demo@flotilla.dev',
    },
  }).trim();
const git = (...args) => gitIn(shopRepo, ...args);
if (!existsSync(join(shopRepo, '.git'))) git('init', '-q', '-b', 'main');
writeFileSync(
  join(shopRepo, 'shop.yaml'),
  `apiVersion: v1
kind: Namespace
metadata:
  name: team-a-shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
data:
  greeting: hello from Git
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  annotations:
    argocd.argoproj.io/sync-wave: "1"
spec:
  replicas: 2
  selector:
    matchLabels: { app: shop }
  template:
    metadata:
      labels: { app: shop }
    spec:
      containers:
        - name: shop
          image: nginx:1.27
`,
);
git('add', '-A');
if (git('status', '--porcelain') !== '') git('commit', '-q', '-m', 'shop');
const shopCommit = git('rev-parse', 'HEAD');
const shopSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: shop
spec:
  goTemplate: true
  generators:
    - clusters:
        selector:
          matchLabels: { env: prod }
  template:
    metadata:
      name: 'shop-{{.name}}'
    spec:
      project: default
      source:
        repoURL: file://${shopRepo}
        targetRevision: main
        path: .
      destination:
        server: '{{.server}}'
        namespace: team-a-shop
      syncPolicy:
        automated: { prune: true, selfHeal: true }
`;
const shop = await graphql(
  'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
  aliceToken,
  { tenant: 'team-a', manifest: shopSet },
);
const shopId =
  shop.data?.createApplicationSet?.id ??
  (
    await graphql(
      '{ applicationSets(filter: { tenant: "team-a", search: "shop" }) { edges { node { id name } } } }',
      aliceToken,
    )
  ).data.applicationSets.edges.find((e) => e.node.name === 'shop')?.node.id;
if (!shopId) fail(`createApplicationSet shop failed: ${JSON.stringify(shop.errors)}\n${shopSet}`);
const SHOP_STATUS = `query($id: ID!) { applications(filter: { applicationSetId: $id }, first: 100) {
  totalCount edges { node { name cluster { name } delivery { commit renderFailure { code message }
    status { commit sync health } } } } } }`;
for (const deadline = Date.now() + 90_000; ;) {
  const res = await graphql(SHOP_STATUS, aliceToken, { id: shopId });
  const nodes = res.data?.applications?.edges?.map((e) => e.node) ?? [];
  const failed = nodes.find((n) => n.delivery.renderFailure);
  if (failed) fail(`rendering failed: ${JSON.stringify(failed.delivery.renderFailure)}`);
  const done = nodes.filter(
    (n) =>
      n.delivery.status?.commit === shopCommit &&
      n.delivery.status.sync === 'Synced' &&
      n.delivery.status.health === 'Healthy',
  );
  if (nodes.length > 0 && done.length === nodes.length) {
    console.log(
      `  shop ${shopCommit.slice(0, 8)} is Synced and Healthy on ${done.length} prod clusters, e.g. ${done
        .slice(0, 3)
        .map((n) => n.cluster.name)
        .join(', ')}`,
    );
    break;
  }
  if (Date.now() > deadline)
    fail(
      `only ${done.length} of ${nodes.length} shop Applications reached Synced and Healthy in 90 s; see .demo/worker.log and .demo/fleet.log`,
    );
  await new Promise((r) => setTimeout(r, 500));
}

step('fleet views and notifications: a signed webhook for label changes, the summary then and now');
// A receiver as a team would run one: it checks the signature with the rule's secret.
const received = [];
let ruleSecret = '';
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const timestamp = req.headers['x-flotilla-timestamp'];
    const expected = `v1=${createHmac('sha256', ruleSecret).update(`${timestamp}.${body}`).digest('hex')}`;
    const given = String(req.headers['x-flotilla-signature'] ?? '');
    const valid =
      given.length === expected.length &&
      timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    received.push({ valid, body: JSON.parse(body) });
    res.writeHead(valid ? 204 : 401).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
receiver.unref();
const RULES = `query { notificationRules(tenant: "team-a") { id name } }`;
for (const old of (await graphql(RULES, aliceToken)).data?.notificationRules ?? [])
  if (old.name === 'demo-labels')
    await graphql('mutation($id: ID!) { deleteNotificationRule(id: $id) }', aliceToken, {
      id: old.id,
    });
const rule = await graphql(
  `
    mutation ($input: CreateNotificationRuleInput!) {
      createNotificationRule(input: $input) {
        rule {
          id
          name
          target {
            url
          }
        }
        secret
      }
    }
  `,
  aliceToken,
  {
    input: {
      tenant: 'team-a',
      name: 'demo-labels',
      eventTypes: ['ClusterLabelsChanged'],
      clusterSelector: { matchLabels: { env: 'prod' } },
      target: { kind: 'Webhook', url: `http://127.0.0.1:${receiver.address().port}/flotilla` },
    },
  },
);
if (rule.errors) fail(`createNotificationRule failed: ${JSON.stringify(rule.errors)}`);
ruleSecret = rule.data.createNotificationRule.secret;
console.log(
  `  alice created rule demo-labels → ${rule.data.createNotificationRule.rule.target.url} (secret shown once)`,
);
const prodClusters = await graphql(
  '{ clusters(filter: { tenant: "team-a", selector: "env=prod" }, first: 1) { edges { node { id name labels } } } }',
  aliceToken,
);
const target = prodClusters.data.clusters.edges[0].node;
const before = new Date();
await new Promise((r) => setTimeout(r, 1100));
const relabel = await graphql(
  'mutation($id: String!, $labels: JSONObject!) { updateClusterLabels(id: $id, labels: $labels) { name } }',
  aliceToken,
  { id: target.id, labels: { ...target.labels, 'demo-run': String(Date.now()) } },
);
if (relabel.errors) fail(`updateClusterLabels failed: ${JSON.stringify(relabel.errors)}`);
for (const deadline = Date.now() + 30_000; received.length === 0;) {
  if (Date.now() > deadline)
    fail('no notification reached the receiver within 30 s; see .demo/worker.log');
  await new Promise((r) => setTimeout(r, 200));
}
const [note] = received;
if (!note.valid) fail('the notification arrived with a signature that does not verify');
console.log(
  `  the receiver got a signed notification: "${note.body.summary}" (signature verified)`,
);
const DELIVERIES = `{ notificationDeliveries(tenant: "team-a", first: 1) { edges { node {
  eventType clusterName state attempts lastStatus } } } }`;
for (const deadline = Date.now() + 10_000; ;) {
  const d = (await graphql(DELIVERIES, aliceToken)).data?.notificationDeliveries?.edges?.[0]?.node;
  if (d?.state === 'Delivered') {
    console.log(
      `  notificationDeliveries: ${d.eventType} on ${d.clusterName}: ${d.state} after ${d.attempts} attempt (HTTP ${d.lastStatus})`,
    );
    break;
  }
  if (Date.now() > deadline)
    fail(`the delivery is not recorded as Delivered: ${JSON.stringify(d)}`);
  await new Promise((r) => setTimeout(r, 200));
}
const SUMMARY_AT = `query($asOf: DateTime) { fleetSummary(asOf: $asOf, groupBy: "demo-run") {
  overall { clusters applications { total byHealth { status count } } }
  groups { value clusters } } }`;
const groupsOf = (s) => s.groups.map((g) => `${g.value ?? '(none)'}: ${g.clusters}`).join(', ');
const then = await graphql(SUMMARY_AT, aliceToken, { asOf: before.toISOString() });
const now = await graphql(SUMMARY_AT, aliceToken, { asOf: null });
if (then.errors || now.errors)
  fail(`fleetSummary(asOf:) failed: ${JSON.stringify(then.errors ?? now.errors)}`);
console.log(
  `  fleetSummary(groupBy: "demo-run") before the relabel: ${groupsOf(then.data.fleetSummary)}; now: ${groupsOf(now.data.fleetSummary)}`,
);
const healthy = now.data.fleetSummary.overall.applications.byHealth.find(
  (h) => h.status === 'Healthy',
);
console.log(
  `  Applications: ${now.data.fleetSummary.overall.applications.total}, Healthy ${healthy?.count ?? 0}`,
);
const deployments = await graphql(
  '{ resources(filter: { kind: "Deployment", selector: "env=prod" }, first: 3) { totalCount edges { node { name namespace application { name cluster { name } } } } } }',
  aliceToken,
);
if (deployments.errors) fail(`resources failed: ${JSON.stringify(deployments.errors)}`);
console.log(
  `  resources(kind: Deployment, env=prod): ${deployments.data.resources.totalCount} objects, e.g. ${deployments.data.resources.edges
    .map((e) => `${e.node.namespace}/${e.node.name} of ${e.node.application.name}`)
    .slice(0, 2)
    .join(', ')}`,
);

step('progressive rollout: a canary step, an approval gate, then the rest of the fleet');
const checkoutRepo = join(demoRepos, 'team-a-checkout');
mkdirSync(checkoutRepo, { recursive: true });
if (!existsSync(join(checkoutRepo, '.git'))) gitIn(checkoutRepo, 'init', '-q', '-b', 'main');
// Every demo run brings a new version, so every run shows a rollout.
const release = new Date().toISOString();
writeFileSync(
  join(checkoutRepo, 'checkout.yaml'),
  `apiVersion: v1
kind: Namespace
metadata:
  name: team-a-checkout
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: checkout-config
data:
  release: "${release}"
`,
);
gitIn(checkoutRepo, 'add', '-A');
gitIn(checkoutRepo, 'commit', '-q', '-m', `checkout ${release}`);
const checkoutCommit = gitIn(checkoutRepo, 'rev-parse', 'HEAD');
const checkoutSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: checkout
spec:
  goTemplate: true
  generators:
    - clusters: {}
  strategy:
    type: Progressive
    progressive:
      maxFailures: 1
      unavailableClusters: Skip
      progressDeadline: 2m
      steps:
        - name: canary
          percent: 10
          maxUnavailable: 1
        - name: everyone-else
          approval: true
          maxUnavailable: 50%
  template:
    metadata:
      name: 'checkout-{{.name}}'
    spec:
      project: default
      source:
        repoURL: file://${checkoutRepo}
        targetRevision: main
        path: .
      destination:
        server: '{{.server}}'
        namespace: team-a-checkout
      syncPolicy:
        automated: { prune: true }
`;
const checkout = await graphql(
  'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
  aliceToken,
  { tenant: 'team-a', manifest: checkoutSet },
);
let checkoutId = checkout.data?.createApplicationSet?.id;
if (!checkoutId) {
  checkoutId = (
    await graphql(
      '{ applicationSets(filter: { tenant: "team-a", search: "checkout" }) { edges { node { id name } } } }',
      aliceToken,
    )
  ).data.applicationSets.edges.find((e) => e.node.name === 'checkout')?.node.id;
  if (!checkoutId) fail(`createApplicationSet checkout failed: ${JSON.stringify(checkout.errors)}`);
  // It exists from an earlier run: announce the new commit as a Git host's push webhook would.
  const hook = await fetch(`http://127.0.0.1:${port}/api/webhooks/git`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': env.GIT_WEBHOOK_SECRET,
    },
    body: JSON.stringify({
      object_kind: 'push',
      ref: 'refs/heads/main',
      after: checkoutCommit,
      project: { git_http_url: `file://${checkoutRepo}` },
      repository: { git_http_url: `file://${checkoutRepo}` },
    }),
  });
  if (!hook.ok) fail(`the push webhook was refused: ${hook.status} ${await hook.text()}`);
}
console.log(
  `  alice applied ApplicationSet checkout (strategy Progressive: canary 10%, then an approval gate) at ${checkoutCommit.slice(0, 8)}`,
);
const ROLLOUT = `query($set: ID!) { rollouts(filter: { applicationSetId: $set }, first: 1) { edges { node {
  id status reason commits startedBy counts { targets updated healthy failed }
  steps { name state targetCount approvedBy waiting { gate message } } } } } }`;
const rolloutNow = async () =>
  (await graphql(ROLLOUT, aliceToken, { set: checkoutId })).data?.rollouts?.edges?.[0]?.node;
const describeSteps = (r) =>
  r.steps
    .map(
      (st) =>
        `${st.name} (${st.targetCount}): ${st.state}${st.waiting ? ` at ${st.waiting.gate}` : ''}`,
    )
    .join('; ');
/**
 * team-a's weekend deny window allows manual syncs: where a step waits at it, alice overrides it
 * for that step (recorded with her name); on a weekday nothing waits there.
 */
const overridden = new Set();
async function overrideWindows(r) {
  for (const [index, st] of r.steps.entries()) {
    if (st.waiting?.gate !== 'SyncWindow' || overridden.has(`${r.id}/${index}`)) continue;
    const res = await graphql(
      'mutation($id: ID!, $step: Int) { overrideSyncWindow(id: $id, step: $step, comment: "demo: ship during the freeze") { status } }',
      aliceToken,
      { id: r.id, step: index },
    );
    if (res.errors) fail(`overrideSyncWindow failed: ${JSON.stringify(res.errors)}`);
    overridden.add(`${r.id}/${index}`);
    console.log(
      `  step ${st.name} waited at a sync window (${st.waiting.message}); alice overrode it`,
    );
  }
}
let waiting;
for (const deadline = Date.now() + 120_000; ;) {
  const r = await rolloutNow();
  if (r?.commits.includes(checkoutCommit)) {
    if (r.steps[1]?.waiting?.gate === 'Approval') {
      waiting = r;
      break;
    }
    await overrideWindows(r);
  }
  if (Date.now() > deadline)
    fail(
      `the checkout rollout did not reach its approval gate in 120 s (${r ? describeSteps(r) : 'no rollout'}); see .demo/worker.log`,
    );
  await new Promise((r) => setTimeout(r, 500));
}
console.log(`  rollout ${waiting.id.slice(0, 8)} (${waiting.reason})`);
console.log(
  `    ${describeSteps(waiting)}; ${waiting.counts.healthy} of ${waiting.counts.targets} clusters updated and Healthy`,
);
const promoted = await graphql(
  'mutation($id: ID!) { promoteRollout(id: $id, comment: "canary looks good") { status } }',
  aliceToken,
  { id: waiting.id },
);
if (promoted.errors) fail(`promoteRollout failed: ${JSON.stringify(promoted.errors)}`);
console.log(`  alice promoted it: "canary looks good"`);
for (const deadline = Date.now() + 120_000; ;) {
  const r = await rolloutNow();
  if (r?.id === waiting.id && r.status === 'Completed') {
    console.log(
      `    ${describeSteps(r)}; ${r.counts.healthy} of ${r.counts.targets} clusters Healthy at ${checkoutCommit.slice(0, 8)}, approved by ${r.steps[1].approvedBy}`,
    );
    break;
  }
  if (r?.id === waiting.id) await overrideWindows(r);
  if (Date.now() > deadline)
    fail(
      `the checkout rollout did not complete in 120 s (${r ? `${r.status}: ${describeSteps(r)}` : 'no rollout'})`,
    );
  await new Promise((r) => setTimeout(r, 500));
}

step('operating it: metrics, the dashboard, logs with request ids');
{
  const scrape = async (url) => {
    const res = await fetch(url);
    if (!res.ok) fail(`${url} answered ${res.status}`);
    return res.text();
  };
  const sample = (text, name, labels = '') =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const hubText = await scrape(`http://127.0.0.1:${port}/metrics`);
  const workerText = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
  console.log(
    `  hub    http://127.0.0.1:${port}/metrics: ${sample(hubText, 'flotilla_graphql_requests_total')} GraphQL requests, ${sample(hubText, 'flotilla_agent_api_requests_total')} agent calls, ${sample(hubText, 'flotilla_clusters')} clusters, ${sample(hubText, 'flotilla_applications')} Applications`,
  );
  console.log(
    `  worker http://127.0.0.1:${metricsPort}/metrics: ${sample(workerText, 'flotilla_jobs_total', 'outcome="completed"')} jobs completed, ${sample(workerText, 'flotilla_queue_jobs', 'state="waiting"')} waiting; probes /healthz, /readyz`,
  );
  const lag = workerText
    .split('\n')
    .filter((l) => l.startsWith('flotilla_projection_lag_events{'))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
  console.log(`  projections: ${lag.length}, the furthest behind by ${Math.max(0, ...lag)} events`);
  console.log(
    '  Grafana: import deploy/grafana/flotilla-operations.json (Dashboards → New → Import), pick your Prometheus',
  );
  const hubLog = readFileSync(join(logDir, 'hub.log'), 'utf8').split('\n');
  const access = hubLog
    .filter((l) => l.includes('"operation":"mutation'))
    .map((l) => JSON.parse(l))
    .at(-1);
  if (access)
    console.log(
      `  .demo/hub.log is JSON; e.g. ${access.operation} as request ${access.requestId} (${access.status}, ${access.ms} ms): its events carry that id as requestId and correlationId`,
    );
  console.log(
    '  traces: start hub and worker with TRACING_ENABLED=true OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318',
  );
}

const examples = join(root, 'examples');
if (existsSync(examples)) {
  step('rendering the example ApplicationSets offline (flotilla appset generate)');
  for (const file of readdirSync(examples).filter((f) => f.endsWith('.appset.yaml'))) {
    const clusters = join(examples, 'clusters.yaml');
    const args = [
      'apps/cli/src/main.ts',
      'appset',
      'generate',
      '-f',
      join(examples, file),
      '-o',
      'json',
    ];
    if (existsSync(clusters)) args.push('--clusters', clusters);
    const apps = JSON.parse(run(args));
    console.log(
      `  ${file}: ${apps.length} Applications (${apps
        .map((a) => a.metadata.name)
        .slice(0, 4)
        .join(', ')}${apps.length > 4 ? ', …' : ''})`,
    );
  }
}

console.log(`
Flotilla is running.
  GraphQL:  http://127.0.0.1:${port}/graphql
  Health:   http://127.0.0.1:${port}/healthz   Ready: http://127.0.0.1:${port}/readyz
  Metrics:  http://127.0.0.1:${port}/metrics (hub)   http://127.0.0.1:${metricsPort}/metrics (worker)
  Grafana:  import deploy/grafana/flotilla-operations.json
  Tokens:   valid 12 hours, signed for this demo run: a platform admin, and alice (team-a admin)

export TOKEN=${token}
export ALICE=${aliceToken}


Try:
  curl -s http://127.0.0.1:${port}/graphql -H "authorization: Bearer $TOKEN" \\
    -H 'content-type: application/json' \\
    -d '{"query":"{ auditLog(first: 5) { edges { node { position type streamId actor recordedAt data } } } }"}'
  curl -s http://127.0.0.1:${port}/graphql -H "authorization: Bearer $ALICE" \\
    -H 'content-type: application/json' \\
    -d '{"query":"{ clusters(filter: {selector: \\"env=prod\\"}) { totalCount edges { node { name labels connectivity lastHeartbeatAt facts { kubernetesVersion nodeCount } } } } fleetSummary { overall { clusters byConnectivity { connectivity count } } } }"}'
  curl -s http://127.0.0.1:${port}/graphql -H "authorization: Bearer $ALICE" \\
    -H 'content-type: application/json' \\
    -d '{"query":"{ tenants { edges { node { name sourceRepos roles { name groups } } } } history(streamId: \\"tenant-team-a\\") { edges { node { type actor recordedAt } } } }"}'
  curl -s http://127.0.0.1:${port}/graphql -H "authorization: Bearer $ALICE" \\
    -H 'content-type: application/json' \\
    -d '{"query":"{ applicationSets { edges { node { name applicationCount status { lastGeneration { created updated deleted unchanged } heldDeletions { deletions } } } } } applications(filter: {selector: \\"env=prod\\"}, first: 5) { totalCount edges { node { name namespace cluster { name labels } } } } }"}'
  curl -s http://127.0.0.1:${port}/graphql -H "authorization: Bearer $ALICE" \\
    -H 'content-type: application/json' \\
    -d '{"query":"{ applications(filter: {search: \\"shop\\"}, first: 5) { edges { node { name cluster { name } delivery { commit bundleId renderFailure { code message } status { sync health problems { kind name message } } lastDrift { corrected resources { kind name diff } } } history(first: 5) { edges { node { type actor recordedAt } } } } } } }"}'
  curl -s http://127.0.0.1:${port}/graphql -H "authorization: Bearer $ALICE" \\
    -H 'content-type: application/json' \\
    -d '{"query":"{ notificationRules(tenant: \\"team-a\\") { name eventTypes target { kind url } } notificationDeliveries(tenant: \\"team-a\\", first: 5) { edges { node { eventType clusterName state attempts lastStatus lastError } } } fleetSummary(groupBy: \\"region\\", asOf: \\"${before.toISOString()}\\") { groups { value clusters applications { total } } } }"}'
  curl -s http://127.0.0.1:${port}/graphql -H "authorization: Bearer $ALICE" \\
    -H 'content-type: application/json' \\
    -d '{"query":"{ rollouts(filter: {applicationSetName: \\"checkout\\"}, first: 3) { edges { node { id status reason startedBy steps { name state targetCount approvedBy windowOverriddenBy } targets(first: 3) { edges { node { clusterName step phase healthyAt } } } history(first: 20) { edges { node { type actor recordedAt } } } } } } }"}'
`);
if (check) {
  stopAll();
  console.log('demo check passed; hub, worker and fleet stopped.');
  process.exit(0);
}
console.log('Press Ctrl-C to stop.');
