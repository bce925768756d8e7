import { generateApplications } from '../application-set.generator';
import { readApplicationSet } from '../application-set.reader';
import { MemoryGitSource } from '../memory-git.source';
import type { GenerationInputs } from '../sources';

// The Git generator page of Argo CD's docs (Generators-Git.md) and git_test.go.
const REPO = 'https://github.com/argoproj/argo-cd.git';
const devConfig = JSON.stringify({
  aws_account: '123456',
  asset_id: '11223344',
  cluster: {
    owner: 'cluster-admin@company.com',
    name: 'engineering-dev',
    address: 'https://1.2.3.4',
  },
});
const tree = {
  'applicationset/examples/git-generator-directory/cluster-addons/argo-workflows/kustomization.yaml':
    'x',
  'applicationset/examples/git-generator-directory/cluster-addons/prometheus-operator/Chart.yaml':
    'x',
  'applicationset/examples/git-generator-directory/cluster-addons/exclude-helm-guestbook/Chart.yaml':
    'x',
  'applicationset/examples/git-generator-directory/cluster-addons/.hidden/a.yaml': 'x',
  'cluster-config/engineering/dev/config.json': devConfig,
  'cluster-config/engineering/prod/config.json': devConfig
    .replace('engineering-dev', 'engineering-prod')
    .replace('1.2.3.4', '2.4.6.8'),
  'cluster-config/config.json': '{"cluster": {"name": "top"}}',
  'lists/apps.yaml': '- {name: one, replicas: 2}\n- {name: two, tags: [a, b]}\n',
  'lists/empty.yaml': '',
  'bad/file.json': '"just a string"',
};
const git = new MemoryGitSource({
  [REPO]: { HEAD: tree, v1: { 'cluster-config/old/config.json': '{"cluster": {"name": "old"}}' } },
});

function appSet(gitGen: Record<string, unknown>, goTemplate: boolean) {
  return readApplicationSet({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'cluster-addons', namespace: 'argocd' },
    spec: {
      goTemplate,
      generators: [{ git: { repoURL: REPO, revision: 'HEAD', ...gitGen } }],
      template: {
        metadata: { name: 'x' },
        spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc' } },
      },
    },
  });
}

async function params(
  gitGen: Record<string, unknown>,
  goTemplate = false,
  inputs: GenerationInputs = {},
) {
  const result = await generateApplications(appSet(gitGen, goTemplate), { git, ...inputs });
  // Every Application here is named "x": only the parameters matter, not the duplicate names.
  if (result.error && !result.error.includes('duplicate name')) throw new Error(result.error);
  return result.params;
}

const addons = 'applicationset/examples/git-generator-directory/cluster-addons';

describe('git directory generator', () => {
  test.each<[string, Record<string, unknown>[], string[]]>([
    [
      'one level, hidden directories skipped',
      [{ path: `${addons}/*` }],
      ['argo-workflows', 'exclude-helm-guestbook', 'prometheus-operator'],
    ],
    [
      'exclude wins over include',
      [{ path: `${addons}/*` }, { path: `${addons}/exclude-helm-guestbook`, exclude: true }],
      ['argo-workflows', 'prometheus-operator'],
    ],
    [
      'exclude wins whatever the order',
      [{ path: `${addons}/exclude-helm-guestbook`, exclude: true }, { path: `${addons}/*` }],
      ['argo-workflows', 'prometheus-operator'],
    ],
    ['path.Match does not cross /', [{ path: 'applicationset/*' }], ['examples']],
    [
      'a bad pattern is skipped',
      [{ path: `${addons}/[` }, { path: `${addons}/argo-*` }],
      ['argo-workflows'],
    ],
  ])('%s', async (_name, directories, expected) => {
    expect((await params({ directories })).map((p) => p['path.basename'])).toEqual(expected);
  });

  test('default mode path parameters', async () => {
    const [p] = await params({
      directories: [{ path: `${addons}/argo-*` }],
      values: { cluster: '{{path.basename}}-c' },
    });
    expect(p).toEqual({
      path: `${addons}/argo-workflows`,
      'path.basename': 'argo-workflows',
      'path.basenameNormalized': 'argo-workflows',
      'path[0]': 'applicationset',
      'path[1]': 'examples',
      'path[2]': 'git-generator-directory',
      'path[3]': 'cluster-addons',
      'path[4]': 'argo-workflows',
      'values.cluster': 'argo-workflows-c',
    });
  });

  test('Go mode path parameters and pathParamPrefix', async () => {
    const [p] = await params(
      {
        directories: [{ path: `${addons}/argo-*` }],
        pathParamPrefix: 'addon',
        values: { s: '{{ index .addon.path.segments 3 }}' },
      },
      true,
    );
    expect(p).toEqual({
      addon: {
        path: {
          path: `${addons}/argo-workflows`,
          basename: 'argo-workflows',
          basenameNormalized: 'argo-workflows',
          segments: [
            'applicationset',
            'examples',
            'git-generator-directory',
            'cluster-addons',
            'argo-workflows',
          ],
        },
      },
      values: { s: 'cluster-addons' },
    });
  });
});

describe('git file generator', () => {
  test('default mode flattens nested keys and adds path parameters', async () => {
    const got = await params({ files: [{ path: 'cluster-config/**/config.json' }] });
    expect(got.map((p) => p['cluster.name'])).toEqual(['engineering-dev', 'engineering-prod']);
    expect(got[0]).toEqual({
      aws_account: '123456',
      asset_id: '11223344',
      'cluster.owner': 'cluster-admin@company.com',
      'cluster.name': 'engineering-dev',
      'cluster.address': 'https://1.2.3.4',
      path: 'cluster-config/engineering/dev',
      'path.basename': 'dev',
      'path.basenameNormalized': 'dev',
      'path.filename': 'config.json',
      'path.filenameNormalized': 'config.json',
      'path[0]': 'cluster-config',
      'path[1]': 'engineering',
      'path[2]': 'dev',
    });
  });

  test('Go mode keeps the structure', async () => {
    const [p] = await params(
      { files: [{ path: 'cluster-config/engineering/dev/config.json' }] },
      true,
    );
    expect(p?.cluster).toEqual({
      owner: 'cluster-admin@company.com',
      name: 'engineering-dev',
      address: 'https://1.2.3.4',
    });
    expect(p?.path).toEqual({
      path: 'cluster-config/engineering/dev',
      basename: 'dev',
      filename: 'config.json',
      basenameNormalized: 'dev',
      filenameNormalized: 'config.json',
      segments: ['cluster-config', 'engineering', 'dev'],
    });
  });

  test.each<[string, boolean, string[]]>([
    [
      'old globbing: ** needs a directory between, * crosses /',
      false,
      ['engineering-dev', 'engineering-prod'],
    ],
    [
      'new globbing: ** matches zero directories',
      true,
      ['top', 'engineering-dev', 'engineering-prod'],
    ],
  ])('%s', async (_name, newGitFileGlobbing, expected) => {
    const got = await params({ files: [{ path: 'cluster-config/**/config.json' }] }, false, {
      newGitFileGlobbing,
    });
    expect(got.map((p) => p['cluster.name']).sort()).toEqual([...expected].sort());
  });

  test('exclude removes matching files', async () => {
    const got = await params({
      files: [
        { path: 'cluster-config/**/config.json' },
        { path: 'cluster-config/engineering/prod/*', exclude: true },
      ],
    });
    expect(got.map((p) => p['cluster.name'])).toEqual(['engineering-dev']);
  });

  test('an array file gives one set per element; an empty file gives one empty set', async () => {
    const got = await params({ files: [{ path: 'lists/*.yaml' }] });
    expect(got.map((p) => p.name ?? '(none)')).toEqual(['one', 'two', '(none)']);
    expect(got[0]?.replicas).toBe('2');
    expect(got[1]?.['tags.0']).toBe('a');
    expect(got[1]?.['tags.1']).toBe('b');
  });

  test('Go mode: numbers are float64 values, lists stay lists', async () => {
    const got = await params({ files: [{ path: 'lists/apps.yaml' }] }, true);
    expect(got[0]?.replicas).toBe(2);
    expect(got[1]?.tags).toEqual(['a', 'b']);
  });

  test('the revision is read', async () => {
    const result = await generateApplications(
      appSet({ revision: 'v1', files: [{ path: 'cluster-config/*/config.json' }] }, false),
      { git },
    );
    expect(result.params.map((p) => p['cluster.name'])).toEqual(['old']);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a file that is not an object',
      { files: [{ path: 'bad/file.json' }] },
      /^error generating params from git: unable to process file 'bad\/file.json': unable to parse file/,
    ],
    [
      'an unknown revision',
      { revision: 'nope', directories: [{ path: '*' }] },
      /^error generating params from git: error getting directories from repo: unable to resolve git revision "nope"/,
    ],
  ])('error: %s', async (_name, gen, message) => {
    const result = await generateApplications(appSet(gen, false), { git });
    expect(result.error).toMatch(message);
  });
});
