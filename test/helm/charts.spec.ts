import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentConfigSchema, hubConfigSchema, workerConfigSchema } from '@flotilla/config';
import {
  blocksOf,
  chartDir,
  compileValuesSchema,
  definesOf,
  describeErrors,
  envEntriesOf,
  hasPath,
  mergeValues,
  readYaml,
  repoRoot,
  templateFiles,
  valuesPathsOf,
  type Values,
} from './chart-source';

// The charts under helm/, checked without the helm binary: metadata, values against their
// schemas, template structure, and that what the templates set is what the apps read.

const CHARTS = ['flotilla', 'flotilla-agent'] as const;
type Chart = (typeof CHARTS)[number];

const keysOf = (schema: { shape: object }) => new Set(Object.keys(schema.shape));
const hubKeys = keysOf(hubConfigSchema);
const workerKeys = keysOf(workerConfigSchema);
const agentKeys = keysOf(agentConfigSchema);
const both = new Set([...hubKeys].filter((k) => workerKeys.has(k)));
/** What scripts/migrate.mjs reads from its environment. */
const migrateKeys = new Set(
  [
    ...readFileSync(join(repoRoot, 'scripts', 'migrate.mjs'), 'utf8').matchAll(
      /process\.env\.(\w+)/g,
    ),
  ].map((m) => m[1] ?? ''),
);
/** The official postgres image's documented variables (the bundled database). */
const postgresImageKeys = new Set(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'PGDATA']);

/**
 * Which environment variables each template (or helper) may set. A template that sets any and
 * is missing here fails the test, so a new one has to say which process reads it.
 */
const ENV_OWNERS: Record<Chart, Record<string, Set<string>>> = {
  flotilla: {
    'templates/hub-deployment.yaml': hubKeys,
    'templates/worker-deployment.yaml': workerKeys,
    'templates/migrate-job.yaml': migrateKeys,
    'templates/postgresql.yaml': postgresImageKeys,
    'define flotilla.commonEnv': both,
  },
  'flotilla-agent': { 'templates/deployment.yaml': agentKeys },
};

const defaults = (chart: Chart) => readYaml(join(chartDir(chart), 'values.yaml'));
const examples = (chart: Chart) => {
  const dir = join(chartDir(chart), 'examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ file: `examples/${f}`, values: readYaml(join(dir, f)) }));
};
const templateText = (chart: Chart, name: string): string => {
  const file = templateFiles(chart).find((t) => t.name === name);
  if (!file) throw new Error(`${chart}: ${name} is missing`);
  return file.text;
};
const helpers = (chart: Chart) =>
  definesOf(templateText(chart, 'templates/_helpers.tpl'), '_helpers.tpl');

/** Sets `a.b.c` in a deep copy of the values. */
function withValue(values: Values, path: string, value: unknown): Values {
  const copy = structuredClone(values);
  const keys = path.split('.');
  let node: Values = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Values;
  node[keys[keys.length - 1] ?? ''] = value;
  return copy;
}

describe.each(CHARTS)('helm chart %s', (chart) => {
  const validate = compileValuesSchema(chart);
  const expectValid = (values: Values) => {
    const ok = validate(values);
    expect(ok ? '' : describeErrors(validate.errors)).toBe('');
  };

  it('declares apiVersion v2, its own name, a semver version and the app version of package.json', () => {
    const meta = readYaml(join(chartDir(chart), 'Chart.yaml'));
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(meta).toMatchObject({
      apiVersion: 'v2',
      name: chart,
      type: 'application',
      appVersion: pkg.version,
    });
    expect(meta.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  it('has values.yaml and every example valid against values.schema.json (merged as helm does)', () => {
    expectValid(defaults(chart));
    const found = examples(chart);
    expect(found.length).toBeGreaterThan(0);
    for (const example of found) {
      const ok = validate(mergeValues(defaults(chart), example.values));
      expect(`${example.file}: ${ok ? 'valid' : describeErrors(validate.errors)}`).toBe(
        `${example.file}: valid`,
      );
    }
  });

  it('rejects a misspelt key, at the top and nested, naming it', () => {
    expect(validate({ ...defaults(chart), imagee: {} })).toBe(false);
    expect(describeErrors(validate.errors)).toContain(
      "/: must NOT have additional properties 'imagee'",
    );
    expect(validate(withValue(defaults(chart), 'image.pullPolcy', 'Always'))).toBe(false);
    expect(describeErrors(validate.errors)).toContain(
      "/image: must NOT have additional properties 'pullPolcy'",
    );
  });

  it('rejects a value of the wrong type or outside its enum, naming the field', () => {
    expect(validate(withValue(defaults(chart), 'image.pullPolicy', 'Sometimes'))).toBe(false);
    expect(describeErrors(validate.errors)).toContain(
      '/image/pullPolicy: must be equal to one of the allowed values',
    );
  });

  it('reads only .Values paths that values.yaml declares', () => {
    const values = defaults(chart);
    const missing = templateFiles(chart).flatMap((t) =>
      valuesPathsOf(t.text)
        .filter((path) => !hasPath(values, path))
        .map((path) => `${t.name}: .Values.${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('has well-formed templates: balanced {{ }}, every block ended, includes that exist', () => {
    const files = templateFiles(chart);
    const defined = helpers(chart);
    const problems: string[] = [];
    for (const file of files) {
      blocksOf(file.text, file.name); // throws with file:line on a broken template
      for (const m of file.text.matchAll(/\b(?:include|template)\s+"([^"]+)"/g))
        if (!defined.has(m[1] ?? ''))
          problems.push(`${file.name}: include "${m[1]}" is not defined`);
      for (const m of file.text.matchAll(/print \$\.Template\.BasePath "\/([^"]+)"/g))
        if (!existsSync(join(chartDir(chart), 'templates', m[1] ?? '')))
          problems.push(`${file.name}: templates/${m[1]} does not exist`);
    }
    const used = files.map((f) => f.text).join('\n');
    for (const name of defined.keys())
      if (!used.includes(`include "${name}"`))
        problems.push(`_helpers.tpl: ${name} is never included`);
    expect(problems).toEqual([]);
  });

  it('sets only environment variables the process it runs reads (libs/config schemas)', () => {
    const owners = ENV_OWNERS[chart];
    const sources = [
      ...templateFiles(chart).map((t) => ({ name: t.name, text: t.text })),
      ...[...helpers(chart)].map(([name, text]) => ({ name: `define ${name}`, text })),
    ];
    const problems: string[] = [];
    for (const source of sources) {
      const names = envEntriesOf(source.name.endsWith('.tpl') ? '' : source.text).map(
        (e) => e.name,
      );
      if (names.length === 0) continue;
      const allowed = owners[source.name];
      if (!allowed) {
        problems.push(`${source.name} sets ${names.join(', ')} but has no entry in ENV_OWNERS`);
        continue;
      }
      for (const name of names)
        if (!allowed.has(name)) problems.push(`${source.name}: ${name} is read by nobody`);
    }
    expect(problems).toEqual([]);
  });

  it('runs as a non-root user with a read-only root filesystem and sets resource requests and limits', () => {
    const values = defaults(chart);
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(values.containerSecurityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const resources = (
      chart === 'flotilla'
        ? [
            'hub.resources',
            'worker.resources',
            'migrations.job.resources',
            'postgresql.bundled.resources',
            'redis.bundled.resources',
          ]
        : ['resources']
    ).map((path) => path.split('.').reduce<unknown>((node, key) => (node as Values)[key], values));
    for (const r of resources)
      expect(r).toMatchObject({
        requests: { cpu: expect.anything(), memory: expect.anything() },
        limits: { cpu: expect.anything(), memory: expect.anything() },
      });
  });
});

describe('helm chart flotilla: values and templates', () => {
  const validate = compileValuesSchema('flotilla');
  const values = defaults('flotilla');
  const rejected = (path: string, value: unknown): string =>
    validate(withValue(values, path, value)) ? '(accepted)' : describeErrors(validate.errors);

  it('names the field of each bad value', () => {
    expect(rejected('hub.replicas', 'two')).toContain('/hub/replicas: must be integer');
    expect(rejected('hub.autoscaling.enable', true)).toContain(
      "/hub/autoscaling: must NOT have additional properties 'enable'",
    );
    expect(rejected('postgresql.mode', 'internal')).toContain(
      '/postgresql/mode: must be equal to one of the allowed values ["bundled","external"]',
    );
    expect(rejected('secrets.authJwtSecret', 'too-short')).toContain(
      '/secrets/authJwtSecret: must match pattern',
    );
    expect(rejected('config.tracing.otlpEndpoint', 'otel-collector:4318')).toContain(
      '/config/tracing/otlpEndpoint: must match pattern "^https?://"',
    );
    expect(rejected('worker.metricsPort', 70000)).toContain(
      '/worker/metricsPort: must be <= 65535',
    );
    expect(rejected('config.logLevel', 'verbose')).toContain(
      '/config/logLevel: must be equal to one of',
    );
    expect(rejected('postgresql.external.url', 'mysql://db/flotilla')).toContain(
      '/postgresql/external/url',
    );
  });

  it('needs a URL or an existing Secret for an external Postgres or Redis', () => {
    const external = mergeValues(values, { postgresql: { mode: 'external' } });
    expect(validate(external)).toBe(false);
    expect(describeErrors(validate.errors)).toContain(
      '/postgresql/external: must match a schema in anyOf',
    );
    expect(
      validate(mergeValues(external, { postgresql: { external: { existingSecret: 'db' } } })),
    ).toBe(true);
    expect(
      validate(
        mergeValues(values, { redis: { mode: 'external', external: { url: 'rediss://r:6379' } } }),
      ),
    ).toBe(true);
  });

  it('runs hub and worker from one image value, each app as the entrypoint argument', () => {
    expect(templateText('flotilla', 'templates/hub-deployment.yaml')).toContain("args: ['hub']");
    expect(templateText('flotilla', 'templates/worker-deployment.yaml')).toContain(
      "args: ['worker']",
    );
    for (const name of [
      'templates/hub-deployment.yaml',
      'templates/worker-deployment.yaml',
      'templates/migrate-job.yaml',
    ])
      expect(templateText('flotilla', name)).toContain('image: {{ include "flotilla.image" . }}');
  });

  it('runs migrations in a hook Job, and then the hub does not migrate on start', () => {
    const job = templateText('flotilla', 'templates/migrate-job.yaml');
    expect(job).toContain("command: ['node', '/app/scripts/migrate.mjs']");
    expect(job).toContain(
      'helm.sh/hook: {{ ternary "pre-install,pre-upgrade" "pre-upgrade" $external }}',
    );
    const hub = envEntriesOf(templateText('flotilla', 'templates/hub-deployment.yaml'));
    expect(hub.find((e) => e.name === 'MIGRATE_ON_START')?.text).toContain(
      'include "flotilla.hubMigratesOnStart" .',
    );
    // On only without the Job, or for the bundled database's first install (no pre-install Job).
    expect(helpers('flotilla').get('flotilla.hubMigratesOnStart')).toContain(
      'or (not .Values.migrations.job.enabled) (eq .Values.postgresql.mode "bundled")',
    );
  });

  it('takes the secrets from Secrets, never from plain values in the pod spec', () => {
    const hub = templateText('flotilla', 'templates/hub-deployment.yaml');
    const common = helpers('flotilla').get('flotilla.commonEnv') ?? '';
    const entries = [...envEntriesOf(hub), ...envEntriesOf(common)];
    for (const name of [
      'DATABASE_URL',
      'REDIS_URL',
      'AUTH_JWT_SECRET',
      'SECRETS_KEYS',
      'GIT_WEBHOOK_SECRET',
    ])
      expect(`${name}: ${entries.find((e) => e.name === name)?.text ?? 'not set'}`).toMatch(
        new RegExp(`^${name}: [\\s\\S]*secretKeyRef`),
      );
    const secret = templateText('flotilla', 'templates/secret.yaml');
    for (const key of secret.matchAll(/set \$data "([A-Z_]+)"/g))
      expect(both.has(key[1] ?? '') || hubKeys.has(key[1] ?? '')).toBe(true);
  });

  it('waits SHUTDOWN_TIMEOUT_SECONDS and more before Kubernetes kills a pod', () => {
    const grace = helpers('flotilla').get('flotilla.terminationGracePeriodSeconds') ?? '';
    expect(grace).toMatch(/add \.Values\.config\.shutdownTimeoutSeconds [1-9]\d*/);
    const common = envEntriesOf(helpers('flotilla').get('flotilla.commonEnv') ?? '');
    expect(common.find((e) => e.name === 'SHUTDOWN_TIMEOUT_SECONDS')?.text).toContain(
      '.Values.config.shutdownTimeoutSeconds',
    );
    for (const name of ['templates/hub-deployment.yaml', 'templates/worker-deployment.yaml'])
      expect(templateText('flotilla', name)).toContain(
        'terminationGracePeriodSeconds: {{ include "flotilla.terminationGracePeriodSeconds" . }}',
      );
  });

  it('probes the hub on /healthz and /readyz and scrapes /metrics of hub and worker', () => {
    const hub = templateText('flotilla', 'templates/hub-deployment.yaml');
    expect(hub).toMatch(/livenessProbe:\s+httpGet:\s+path: \/healthz/);
    expect(hub).toMatch(/readinessProbe:\s+httpGet:\s+path: \/readyz/);
    const monitors = templateText('flotilla', 'templates/servicemonitor.yaml');
    expect(monitors).toMatch(/- port: http\s+path: \/metrics/);
    expect(monitors).toMatch(/- port: metrics\s+path: \/metrics/);
    expect(values.worker).toMatchObject({ metricsPort: 9464 });
  });
});

describe('helm chart flotilla-agent: values and templates', () => {
  const validate = compileValuesSchema('flotilla-agent');
  const values = defaults('flotilla-agent');
  const rejected = (path: string, value: unknown): string =>
    validate(withValue(values, path, value)) ? '(accepted)' : describeErrors(validate.errors);

  it('names the field of each bad value', () => {
    expect(rejected('clusterName', 'EU_West')).toContain('/clusterName: must match pattern');
    expect(rejected('hubUrl', 'flotilla.example.com')).toContain('/hubUrl');
    expect(rejected('replicas', 2)).toContain('/replicas: must be <= 1');
    expect(rejected('rbac.scope', 'namespace')).toContain(
      '/rbac/scope: must be equal to one of the allowed values',
    );
    expect(
      rejected('rbac.rules', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }]),
    ).toContain("/rbac/rules/0: must NOT have additional properties 'verbs'");
    expect(rejected('clusterLabels', { 'bad key': 'x' })).toContain('/clusterLabels');
    expect(rejected('metrics.port', 'metrics')).toContain('/metrics/port: must be integer');
    expect(rejected('tracing.otlpEndpoint', 'http://')).toContain(
      '/tracing/otlpEndpoint: must match format "uri"',
    );
  });

  it('needs at least one namespace when RBAC is namespaced', () => {
    expect(rejected('rbac.scope', 'namespaced')).toContain(
      '/rbac/namespaces: must NOT have fewer than 1 items',
    );
  });

  it('requires hubUrl and clusterName at render time', () => {
    const deployment = templateText('flotilla-agent', 'templates/deployment.yaml');
    expect(deployment).toMatch(/required "hubUrl is required[^"]*" \.Values\.hubUrl/);
    expect(deployment).toMatch(/required "clusterName is required[^"]*" \.Values\.clusterName/);
    expect(deployment).toContain("args: ['agent']");
  });

  it('mounts the registration token as a file and keeps the credential in a Secret it may write', () => {
    const entries = envEntriesOf(templateText('flotilla-agent', 'templates/deployment.yaml'));
    const names = entries.map((e) => e.name);
    expect(names).toContain('FLOTILLA_REGISTRATION_TOKEN_FILE');
    expect(names).not.toContain('FLOTILLA_REGISTRATION_TOKEN');
    expect(entries.find((e) => e.name === 'FLOTILLA_CREDENTIAL_SECRET')?.text).toContain(
      '.Values.credentialSecret',
    );
    expect(values.credentialSecret).toBe(
      agentConfigSchema.shape.FLOTILLA_CREDENTIAL_SECRET.parse(undefined),
    );
    const rbac = templateText('flotilla-agent', 'templates/rbac.yaml');
    expect(rbac).toMatch(
      /resourceNames: \[\{\{ \.Values\.credentialSecret \| quote \}\}\]\s+verbs: \['get', 'update'\]/,
    );
    expect(rbac).toMatch(/resources: \['secrets'\]\s+verbs: \['create'\]/);
  });

  it('serves metrics on 9465, optionally through a ServiceMonitor or a PodMonitor', () => {
    expect(values.metrics).toMatchObject({ port: 9465 });
    expect(agentConfigSchema.shape.METRICS_PORT.parse(undefined)).toBe(9465);
    const monitoring = templateText('flotilla-agent', 'templates/monitoring.yaml');
    expect(monitoring).toContain('kind: ServiceMonitor');
    expect(monitoring).toContain('kind: PodMonitor');
  });

  it('grants everything by default and narrows to listed rules or namespaces', () => {
    const manage = helpers('flotilla-agent').get('flotilla-agent.manageRules') ?? '';
    expect(manage).toContain("- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']");
    const rbac = templateText('flotilla-agent', 'templates/rbac.yaml');
    expect(rbac).toMatch(
      /range \$namespace := \.Values\.rbac\.namespaces[\s\S]*kind: Role\n[\s\S]*kind: RoleBinding/,
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('runs as a non-root user', () => {
    const users = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
  });

  it('installs git and copies helm and kustomize for the worker', () => {
    expect(runtime).toMatch(/apt-get install[^\n]*\bgit\b/);
    expect(runtime).toMatch(/^COPY --from=\S+ \S*helm \S*\/helm$/m);
    expect(runtime).toMatch(/^COPY --from=\S+ \S*kustomize \S*\/kustomize$/m);
  });

  it('starts through scripts/start.mjs, which takes the app the charts pass as its first argument', () => {
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "\/app\/scripts\/start\.mjs"\]$/m);
    expect(runtime).toMatch(/^CMD \["hub"\]$/m);
    const start = readFileSync(join(repoRoot, 'scripts', 'start.mjs'), 'utf8');
    const apps = /const APPS = \[([^\]]*)\]/.exec(start)?.[1] ?? '';
    for (const app of ['hub', 'worker', 'agent']) expect(apps).toContain(`'${app}'`);
    expect(runtime).toContain('COPY scripts/start.mjs scripts/migrate.mjs ./scripts/');
  });
});
