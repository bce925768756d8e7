import { generateApplications } from './application-set.generator';
import { parseApplicationSet, readApplicationSet } from './application-set.reader';
import type { GenerationInputs } from './sources';

function appSet(spec: Record<string, unknown>, namespace = 'argocd') {
  return readApplicationSet({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'guestbook', namespace },
    spec: {
      generators: [{ list: { elements: [{ cluster: 'dev' }, { cluster: 'prod' }] } }],
      template: {
        metadata: { name: '{{cluster}}-guestbook' },
        spec: {
          project: 'default',
          source: { repoURL: 'https://git/x', path: '{{cluster}}' },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
        },
      },
      ...spec,
    },
  });
}

const gen = (spec: Record<string, unknown>, inputs: GenerationInputs = {}, namespace?: string) =>
  generateApplications(appSet(spec, namespace), inputs);

describe('Applications as Argo CD writes them', () => {
  test('apiVersion, kind, the ApplicationSet namespace (whatever the template says) and the resources finalizer', async () => {
    const result = await gen({
      template: {
        metadata: { name: '{{cluster}}', namespace: 'elsewhere', labels: { env: '{{cluster}}' } },
        spec: { project: 'p', destination: { server: 'https://kubernetes.default.svc' } },
      },
    });
    expect(result.applications[0]).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'dev',
        namespace: 'argocd',
        labels: { env: 'dev' },
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: { project: 'p', destination: { server: 'https://kubernetes.default.svc' } },
    });
  });

  test.each<[string, Record<string, unknown>, string[] | undefined]>([
    ['no finalizers in the template: added', {}, ['resources-finalizer.argocd.argoproj.io']],
    [
      'preserveResourcesOnDeletion: not added',
      { syncPolicy: { preserveResourcesOnDeletion: true } },
      undefined,
    ],
    [
      'template finalizers are kept as they are',
      {
        template: {
          metadata: {
            name: '{{cluster}}',
            finalizers: ['resources-finalizer.argocd.argoproj.io/background'],
          },
          spec: { destination: { server: 'https://kubernetes.default.svc' } },
        },
      },
      ['resources-finalizer.argocd.argoproj.io/background'],
    ],
  ])('finalizers: %s', async (_name, spec, finalizers) => {
    expect((await gen(spec)).applications[0]?.metadata.finalizers).toEqual(finalizers);
  });

  test('a generator template overrides the ApplicationSet template field by field (docs: template override)', async () => {
    const result = await gen({
      generators: [
        {
          list: {
            elements: [{ cluster: 'dev' }],
            template: {
              metadata: { name: 'override-{{cluster}}' },
              spec: { source: { path: 'override/{{cluster}}' } },
            },
          },
        },
      ],
    });
    expect(result.applications[0]?.metadata.name).toBe('override-dev');
    expect(result.applications[0]?.spec).toEqual({
      project: 'default',
      source: { repoURL: 'https://git/x', path: 'override/dev' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
    });
  });

  test('map keys are templated too (annotations)', async () => {
    const result = await gen({
      template: {
        metadata: { name: '{{cluster}}', annotations: { 'team/{{cluster}}': 'yes' } },
        spec: { destination: { server: 'https://kubernetes.default.svc' } },
      },
    });
    expect(result.applications[1]?.metadata.annotations).toEqual({ 'team/prod': 'yes' });
  });

  test('templatePatch in Go mode (docs example), project cannot be patched', async () => {
    const text = `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: guestbook, namespace: argocd}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - {cluster: engineering-dev, url: https://kubernetes.default.svc, autoSync: true, prune: true, valueFiles: [values.large.yaml, values.debug.yaml]}
      - {cluster: engineering-prod, url: https://kubernetes.default.svc, autoSync: false, prune: false, valueFiles: [values.large.yaml]}
  template:
    metadata:
      name: '{{.cluster}}-deployment'
    spec:
      project: default
      source: {repoURL: https://github.com/infra-team/cluster-deployments.git, targetRevision: HEAD, path: 'guestbook/{{ .cluster }}'}
      destination: {server: '{{.url}}', namespace: guestbook}
  templatePatch: |
    spec:
      project: hacked
      source:
        helm:
          valueFiles:
          {{- range $valueFile := .valueFiles }}
            - {{ $valueFile }}
          {{- end }}
    {{- if .autoSync }}
      syncPolicy:
        automated:
          prune: {{ .prune }}
    {{- end }}
`;
    const result = await generateApplications(parseApplicationSet(text));
    expect(result.error).toBeUndefined();
    expect(result.applications[0]?.spec).toEqual({
      project: 'default',
      source: {
        repoURL: 'https://github.com/infra-team/cluster-deployments.git',
        targetRevision: 'HEAD',
        path: 'guestbook/engineering-dev',
        helm: { valueFiles: ['values.large.yaml', 'values.debug.yaml'] },
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
      syncPolicy: { automated: { prune: true } },
    });
    expect(result.applications[1]?.spec.syncPolicy).toBeUndefined();
  });

  test('templatePatch in default mode; finalizers merge as a set; null deletes', async () => {
    const result = await gen({
      templatePatch:
        'metadata:\n  finalizers: [extra/{{cluster}}]\nspec:\n  source: null\n  info: [{name: c, value: "{{cluster}}"}]\n',
    });
    expect(result.applications[0]?.metadata.finalizers).toEqual([
      'resources-finalizer.argocd.argoproj.io',
      'extra/dev',
    ]);
    expect(result.applications[0]?.spec.source).toBeUndefined();
    expect(result.applications[0]?.spec.info).toEqual([{ name: 'c', value: 'dev' }]);
  });

  test('a templatePatch that is not an object is an error', async () => {
    const result = await gen({ templatePatch: '- a\n' });
    expect(result.error).toMatch(
      /^invalid templatePatch "\[\\"a\\"\]": json: cannot unmarshal array/,
    );
  });
});

describe('errors and validation as Argo CD reports them', () => {
  test('two Applications with one name: the whole ApplicationSet fails, nothing is applied', async () => {
    const result = await gen({
      template: {
        metadata: { name: 'same' },
        spec: { destination: { server: 'https://kubernetes.default.svc' } },
      },
    });
    expect(result.error).toBe(
      'ApplicationSet guestbook contains applications with duplicate name: same',
    );
    expect(result.applications).toEqual([]);
  });

  test('a render error on one parameter set stops everything', async () => {
    const result = await gen({
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements: [{ cluster: 'a' }, { other: 'b' }] } }],
      template: { metadata: { name: '{{.cluster}}' }, spec: {} },
    });
    expect(result.error).toMatch(/map has no entry for key "cluster"/);
    expect(result.applications).toEqual([]);
  });

  test('an unknown goTemplateOptions entry is bad input', async () => {
    await expect(
      gen({ goTemplate: true, goTemplateOptions: ['missingkey=maybe'] }),
    ).rejects.toThrow('spec.goTemplateOptions: unrecognized option: missingkey=maybe');
  });

  test.each<[string, Record<string, string>, string]>([
    [
      'unknown server',
      { server: 'https://nowhere', name: '' },
      'application destination spec is invalid: error getting cluster by server "https://nowhere": cluster "https://nowhere" not found',
    ],
    [
      'unknown name',
      { server: '', name: 'nowhere' },
      'application destination spec is invalid: there are no clusters with this name: nowhere',
    ],
    [
      'both name and server',
      { name: 'in-cluster', server: 'https://kubernetes.default.svc' },
      "application destination spec is invalid: application destination can't have both name and server defined: in-cluster https://kubernetes.default.svc",
    ],
    [
      'no destination',
      { server: '', name: '' },
      'application destination spec is invalid: Destination server missing from app spec',
    ],
  ])(
    'invalid destination (%s): that Application is left out, the others are applied',
    async (_name, bad, message) => {
      const result = await gen(
        {
          generators: [
            {
              list: {
                elements: [
                  { cluster: 'good', server: 'https://c', name: '' },
                  { cluster: 'bad', ...bad },
                  { cluster: 'named', server: '', name: 'in-cluster' },
                ],
              },
            },
          ],
          template: {
            metadata: { name: '{{cluster}}' },
            spec: { destination: { server: '{{server}}', name: '{{name}}' } },
          },
        },
        { clusters: [{ name: 'c', server: 'https://c' }] },
      );
      expect(result.error).toBeUndefined();
      expect(result.applications.map((a) => a.metadata.name)).toEqual(['good', 'named']);
      expect(result.validationErrors).toEqual([{ application: 'bad', message }]);
    },
  );

  test.each<[string, string, string]>([
    [
      'empty name',
      '',
      'Application.argoproj.io "" is invalid: metadata.name: Required value: name or generateName is required',
    ],
    [
      'upper case',
      'Bad',
      'Application.argoproj.io "Bad" is invalid: metadata.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain',
    ],
  ])(
    'invalid name (%s): refused by the API server, others applied',
    async (_name, name, message) => {
      const result = await gen({
        generators: [
          {
            list: {
              elements: [
                { cluster: 'good', n: 'good' },
                { cluster: 'bad', n: name },
              ],
            },
          },
        ],
        template: {
          metadata: { name: '{{n}}' },
          spec: { destination: { server: 'https://kubernetes.default.svc' } },
        },
      });
      expect(result.applications.map((a) => a.metadata.name)).toEqual(['good']);
      expect(result.validationErrors[0]?.message).toContain(message);
    },
  );

  test('--enable-progressive-syncs with RollingSync strips automated sync', async () => {
    const spec = {
      strategy: { type: 'RollingSync', rollingSync: { steps: [] } },
      template: {
        metadata: { name: '{{cluster}}' },
        spec: {
          destination: { server: 'https://kubernetes.default.svc' },
          syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
        },
      },
    };
    expect((await gen(spec)).applications[0]?.spec.syncPolicy).toEqual({
      automated: { prune: true },
      syncOptions: ['CreateNamespace=true'],
    });
    expect((await gen(spec, { progressiveSyncs: true })).applications[0]?.spec.syncPolicy).toEqual({
      syncOptions: ['CreateNamespace=true'],
    });
  });
});

describe('isolation', () => {
  test('a parameter set of one generator never reaches another generator’s Applications', async () => {
    const result = await gen({
      generators: [
        { list: { elements: [{ cluster: 'a', only: 'first' }] } },
        { list: { elements: [{ cluster: 'b' }] } },
      ],
      template: {
        metadata: { name: '{{cluster}}', labels: { only: '{{only}}' } },
        spec: { destination: { server: 'https://kubernetes.default.svc' } },
      },
    });
    expect(result.params).toEqual([{ cluster: 'a', only: 'first' }, { cluster: 'b' }]);
    expect(result.applications.map((a) => a.metadata.labels?.only)).toEqual(['first', '{{only}}']);
  });

  test('Go mode: the same element object used twice does not share state', async () => {
    const result = await gen({
      goTemplate: true,
      generators: [
        {
          matrix: {
            generators: [
              {
                list: {
                  elements: [
                    { cluster: 'a', m: { x: '1' } },
                    { cluster: 'b', m: { y: '2' } },
                  ],
                },
              },
              { list: { elements: [{ m: { z: '3' } }] } },
            ],
          },
        },
      ],
      template: {
        metadata: { name: '{{.cluster}}' },
        spec: { destination: { server: 'https://kubernetes.default.svc' } },
      },
    });
    expect(result.params).toEqual([
      { cluster: 'a', m: { x: '1', z: '3' } },
      { cluster: 'b', m: { y: '2', z: '3' } },
    ]);
  });

  test('parts shared between Applications are frozen', async () => {
    const result = await gen({});
    const dest = result.applications[0]?.spec.destination as Record<string, unknown>;
    expect(Object.isFrozen(dest)).toBe(true);
    expect(result.applications[1]?.spec.destination).toEqual({
      server: 'https://kubernetes.default.svc',
      namespace: 'guestbook',
    });
  });
});
