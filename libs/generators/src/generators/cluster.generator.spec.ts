import { generateApplications } from '../application-set.generator';
import { readApplicationSet } from '../application-set.reader';
import type { ClusterRecord, GenerationInputs } from '../sources';

// The Cluster generator page of Argo CD's docs (Generators-Cluster.md) and cluster_test.go.
const clusters: ClusterRecord[] = [
  {
    name: 'staging',
    server: 'https://staging.example.com',
    labels: { env: 'staging' },
    annotations: { team: 'a' },
  },
  {
    name: 'Production_EU',
    server: 'https://prod.example.com',
    labels: { env: 'prod', region: 'eu' },
    project: 'prod-proj',
  },
];

function appSet(clustersGen: Record<string, unknown>, goTemplate: boolean, name: string) {
  return readApplicationSet({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'guestbook', namespace: 'argocd' },
    spec: {
      goTemplate,
      generators: [{ clusters: clustersGen }],
      template: {
        metadata: { name },
        spec: {
          project: 'default',
          destination: {
            server: goTemplate ? '{{.server}}' : '{{server}}',
            namespace: 'guestbook',
          },
        },
      },
    },
  });
}

async function params(
  gen: Record<string, unknown>,
  goTemplate: boolean,
  inputs: GenerationInputs = { clusters },
) {
  const result = await generateApplications(
    appSet(gen, goTemplate, goTemplate ? '{{.nameNormalized}}' : '{{nameNormalized}}'),
    inputs,
  );
  expect(result.error).toBeUndefined();
  return result.params;
}

describe('cluster generator', () => {
  test.each<[string, GenerationInputs, string[]]>([
    ['no secrets: only the implicit in-cluster', {}, ['in-cluster']],
    [
      'secrets and the implicit in-cluster first',
      { clusters },
      ['in-cluster', 'staging', 'Production_EU'],
    ],
    [
      'a secret for the in-cluster server replaces it',
      { clusters: [{ name: 'local', server: 'https://kubernetes.default.svc' }] },
      ['local'],
    ],
    ['--no-local-cluster', { clusters, localCluster: false }, ['staging', 'Production_EU']],
    [
      'one secret per name, the last wins',
      {
        clusters: [
          { name: 'a', server: 'https://1' },
          { name: 'a', server: 'https://2' },
        ],
      },
      ['in-cluster', 'a'],
    ],
  ])('%s', async (_name, inputs, expected) => {
    expect((await params({}, false, inputs)).map((p) => p.name)).toEqual(expected);
  });

  test.each<[string, Record<string, unknown>, string[]]>([
    [
      'matchLabels (the in-cluster has no labels: a selector drops it)',
      { selector: { matchLabels: { env: 'prod' } } },
      ['Production_EU'],
    ],
    [
      'matchExpressions In',
      {
        selector: {
          matchExpressions: [{ key: 'env', operator: 'In', values: ['staging', 'prod'] }],
        },
      },
      ['staging', 'Production_EU'],
    ],
    [
      'matchExpressions DoesNotExist',
      { selector: { matchExpressions: [{ key: 'region', operator: 'DoesNotExist' }] } },
      ['staging'],
    ],
    [
      'the secret-type label every cluster secret has',
      { selector: { matchLabels: { 'argocd.argoproj.io/secret-type': 'cluster' } } },
      ['staging', 'Production_EU'],
    ],
  ])('selector: %s', async (_name, gen, expected) => {
    expect((await params(gen, false)).map((p) => p.name)).toEqual(expected);
  });

  test('default mode parameters: flat metadata.labels/annotations, nameNormalized, project, values', async () => {
    const got = await params(
      { values: { revision: 'main', url: '{{server}}/x', label: '{{metadata.labels.env}}' } },
      false,
    );
    expect(got[0]).toEqual({
      name: 'in-cluster',
      nameNormalized: 'in-cluster',
      server: 'https://kubernetes.default.svc',
      project: '',
      'values.revision': 'main',
      'values.url': 'https://kubernetes.default.svc/x',
      'values.label': '{{metadata.labels.env}}',
    });
    expect(got[2]).toEqual({
      name: 'Production_EU',
      nameNormalized: 'production-eu',
      server: 'https://prod.example.com',
      project: 'prod-proj',
      'metadata.labels.env': 'prod',
      'metadata.labels.region': 'eu',
      'metadata.labels.argocd.argoproj.io/secret-type': 'cluster',
      'values.revision': 'main',
      'values.url': 'https://prod.example.com/x',
      'values.label': 'prod',
    });
  });

  test('Go mode parameters: metadata maps, values map rendered with cluster params', async () => {
    const got = await params({ values: { env: '{{ .name }}' } }, true, {
      clusters: clusters.slice(0, 1),
    });
    expect(got).toHaveLength(2);
    expect(got[1]).toEqual({
      name: 'staging',
      nameNormalized: 'staging',
      server: 'https://staging.example.com',
      project: '',
      metadata: {
        labels: { env: 'staging', 'argocd.argoproj.io/secret-type': 'cluster' },
        annotations: { team: 'a' },
      },
      values: { env: 'staging' },
    });
  });

  test('Go mode: the in-cluster has no metadata, so missingkey=error fails on it', async () => {
    const set = appSet({}, true, '{{.metadata.labels.env}}');
    set.goTemplateOptions = ['missingkey=error'];
    const result = await generateApplications(set, { clusters });
    expect(result.error).toMatch(
      /^failed to execute go template \{\{\.metadata\.labels\.env\}\}: .*map has no entry for key "metadata"/,
    );
    expect(result.applications).toEqual([]);
  });

  test('Go mode flatList: one parameter set holding every cluster', async () => {
    const got = await params({ flatList: true }, true);
    expect(got).toHaveLength(1);
    expect((got[0]?.clusters as { name: string }[]).map((c) => c.name)).toEqual([
      'in-cluster',
      'staging',
      'Production_EU',
    ]);
  });

  test('rendered Applications point at each cluster', async () => {
    const result = await generateApplications(appSet({}, false, '{{nameNormalized}}-guestbook'), {
      clusters,
    });
    expect(
      result.applications.map((a) => [
        a.metadata.name,
        (a.spec.destination as { server: string }).server,
      ]),
    ).toEqual([
      ['in-cluster-guestbook', 'https://kubernetes.default.svc'],
      ['staging-guestbook', 'https://staging.example.com'],
      ['production-eu-guestbook', 'https://prod.example.com'],
    ]);
  });
});
