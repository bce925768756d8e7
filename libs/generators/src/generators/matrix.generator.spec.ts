import { generateApplications } from '../application-set.generator';
import { readApplicationSet } from '../application-set.reader';
import { MemoryGitSource } from '../memory-git.source';
import type { ClusterRecord } from '../sources';

// The Matrix generator page of Argo CD's docs (Generators-Matrix.md) and matrix_test.go.
const REPO = 'https://github.com/argoproj/argo-cd.git';
const git = new MemoryGitSource({
  [REPO]: {
    HEAD: {
      'applicationset/examples/matrix/cluster-addons/argo-workflows/k.yaml': 'x',
      'applicationset/examples/matrix/cluster-addons/prometheus-operator/c.yaml': 'x',
    },
  },
});
const clusters: ClusterRecord[] = [
  { name: 'staging', server: 'https://1.2.3.4', labels: { env: 'staging' } },
  { name: 'production', server: 'https://2.4.6.8', labels: { env: 'production' } },
];

function run(generators: unknown[], goTemplate: boolean, name: string) {
  const set = readApplicationSet({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'cluster-git', namespace: 'argocd' },
    spec: {
      goTemplate,
      generators,
      template: {
        metadata: { name },
        spec: { project: 'default', destination: { server: 'https://1.2.3.4' } },
      },
    },
  });
  return generateApplications(set, { git, clusters, localCluster: false });
}

const gitDirs = {
  git: {
    repoURL: REPO,
    revision: 'HEAD',
    directories: [{ path: 'applicationset/examples/matrix/cluster-addons/*' }],
  },
};

describe('matrix generator', () => {
  test.each<[string, boolean, string]>([
    ['default mode', false, '{{path.basename}}-{{name}}'],
    ['Go mode', true, '{{.path.basename}}-{{.name}}'],
  ])('docs example (git directories × clusters), %s', async (_name, goTemplate, name) => {
    const result = await run(
      [
        {
          matrix: {
            generators: [gitDirs, { clusters: { selector: { matchLabels: { env: 'staging' } } } }],
          },
        },
      ],
      goTemplate,
      name,
    );
    expect(result.error).toBeUndefined();
    expect(result.applications.map((a) => a.metadata.name)).toEqual([
      'argo-workflows-staging',
      'prometheus-operator-staging',
    ]);
  });

  test.each<[string, boolean, Record<string, unknown>, string]>([
    ['default mode', false, { list: { elements: [{ child: '{{name}}-child' }] } }, '{{child}}'],
    ['Go mode', true, { list: { elements: [{ child: '{{.name}}-child' }] } }, '{{.child}}'],
  ])(
    'the second child is interpolated with the first child’s parameters, %s',
    async (_name, goTemplate, second, name) => {
      const result = await run(
        [{ matrix: { generators: [{ clusters: {} }, second] } }],
        goTemplate,
        name,
      );
      expect(result.error).toBeUndefined();
      expect(result.applications.map((a) => a.metadata.name)).toEqual([
        'staging-child',
        'production-child',
      ]);
    },
  );

  test('a child selector is not interpolated (Argo CD compiles it before interpolating the child)', async () => {
    const second = {
      list: { elements: [{ env: 'staging' }] },
      selector: { matchLabels: { env: '{{index .metadata.labels "env"}}' } },
    };
    const result = await run(
      [{ matrix: { generators: [{ clusters: {} }, second] } }],
      true,
      '{{.name}}-{{.env}}',
    );
    expect(result.error).toBeUndefined();
    expect(result.params).toEqual([]);
  });

  test('nested matrix (one level) and a child selector', async () => {
    const inner = {
      matrix: {
        generators: [
          { list: { elements: [{ a: '1' }, { a: '2' }] } },
          { list: { elements: [{ b: 'x' }, { b: 'y' }] } },
        ],
      },
      selector: { matchLabels: { b: 'y' } },
    };
    const result = await run(
      [{ matrix: { generators: [inner, { list: { elements: [{ c: 'z' }] } }] } }],
      false,
      'n-{{a}}-{{b}}-{{c}}',
    );
    expect(result.error).toBeUndefined();
    expect(result.applications.map((a) => a.metadata.name)).toEqual(['n-1-y-z', 'n-2-y-z']);
  });

  test('default mode: the union of both sets; Go mode: the first child wins a conflict', async () => {
    const gens = (v: string) => [
      {
        matrix: {
          generators: [
            { list: { elements: [{ k: 'first', a: 'a' }] } },
            { list: { elements: [{ k: v, b: 'b' }] } },
          ],
        },
      },
    ];
    expect((await run(gens('first'), false, 'x')).params).toEqual([{ k: 'first', a: 'a', b: 'b' }]);
    const go = await run(gens('second'), true, 'x');
    expect(go.error).toBeUndefined();
    expect(go.params).toEqual([{ k: 'first', a: 'a', b: 'b' }]);
  });

  test.each<[string, unknown[], boolean, RegExp]>([
    [
      'three children',
      [
        {
          matrix: {
            generators: [
              { list: { elements: [] } },
              { list: { elements: [] } },
              { list: { elements: [] } },
            ],
          },
        },
      ],
      false,
      /^found more than two generators, Matrix support only two$/,
    ],
    [
      'one child',
      [{ matrix: { generators: [{ list: { elements: [] } }] } }],
      false,
      /^found less than two generators, Matrix support only two$/,
    ],
    [
      'conflicting keys in default mode',
      [
        {
          matrix: {
            generators: [
              { list: { elements: [{ k: 'a' }] } },
              { list: { elements: [{ k: 'b' }] } },
            ],
          },
        },
      ],
      false,
      /^failed to combine string maps with merging params for the matrix generator: found duplicate key k with different value, a: a ,b: b$/,
    ],
    [
      'error in the first child',
      [
        {
          matrix: { generators: [{ list: { elements: [{ k: 1 }] } }, { list: { elements: [] } }] },
        },
      ],
      false,
      /^error failed to get params for first generator in matrix generator: child generator returned an error on parameter generation: error parsing value as string/,
    ],
    [
      'error in the second child',
      [
        {
          matrix: {
            generators: [{ list: { elements: [{ k: 'a' }] } }, { list: { elements: ['x'] } }],
          },
        },
      ],
      false,
      /^failed to get params for second generator in the matrix generator: child generator returned an error on parameter generation: error unmarshling list element/,
    ],
    [
      'a third level of nesting is dropped by Argo CD',
      [
        {
          matrix: {
            generators: [
              {
                matrix: {
                  generators: [{ matrix: { generators: [] } }, { list: { elements: [] } }],
                },
              },
              { list: { elements: [] } },
            ],
          },
        },
      ],
      false,
      /child generator generated no parameters/,
    ],
  ])('error: %s', async (_name, generators, goTemplate, message) => {
    const result = await run(generators, goTemplate, 'x');
    expect(result.applications).toEqual([]);
    expect(result.error).toMatch(message);
  });

  test('parameter sets do not leak between combinations (Go mode merges into fresh maps)', async () => {
    const result = await run(
      [
        {
          matrix: {
            generators: [
              { list: { elements: [{ m: { a: '1' } }, { m: { a: '2' } }] } },
              { list: { elements: [{ m: { b: 'x' } }] } },
            ],
          },
        },
      ],
      true,
      'x-{{.m.a}}-{{.m.b}}',
    );
    expect(result.error).toBeUndefined();
    expect(result.params).toEqual([{ m: { a: '1', b: 'x' } }, { m: { a: '2', b: 'x' } }]);
  });
});
