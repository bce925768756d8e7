import { MemoryGitSource } from '@flotilla/generators';
import { renderDirectory, selectManifestFiles, type SourceLocation } from './directory-source';
import { isRenderError, type RenderErrorCode } from './render-error';
import { DEFAULT_RENDER_LIMITS } from './render-limits';

const REPO = 'https://example.com/config.git';
const cm = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;
const names = (objects: Record<string, unknown>[]) =>
  objects.map((o) => (o.metadata as { name: string }).name);

async function render(
  files: Record<string, string>,
  path = 'app',
  directory = {},
  limits: Partial<typeof DEFAULT_RENDER_LIMITS> = {},
) {
  const git = new MemoryGitSource({ [REPO]: { c1: files } });
  const at: SourceLocation = { repoURL: REPO, commit: 'c1', path };
  return renderDirectory(git, at, directory, { ...DEFAULT_RENDER_LIMITS, ...limits });
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: RenderErrorCode; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isRenderError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a RenderError');
}

describe('selectManifestFiles (Argo CD getPotentiallyValidManifests)', () => {
  const files = [
    'a.yaml',
    'b.yml',
    'c.json',
    'd.jsonnet',
    'e.txt',
    'README.md',
    'f.YAML',
    '.hidden.yaml',
    '.config/x.yaml',
    'sub/g.yaml',
    'sub/deep/h.json',
    'sub/i.yml',
    'prod/j.yaml',
  ];
  it.each([
    ['top directory only by default', {}, ['a.yaml', 'b.yml', 'c.json', '.hidden.yaml']],
    [
      'recurse: true walks subdirectories (hidden ones too)',
      { recurse: true },
      [
        'a.yaml',
        'b.yml',
        'c.json',
        '.hidden.yaml',
        '.config/x.yaml',
        'sub/g.yaml',
        'sub/deep/h.json',
        'sub/i.yml',
        'prod/j.yaml',
      ],
    ],
    ['include with braces', { include: '{a.yaml,c.json}' }, ['a.yaml', 'c.json']],
    ['exclude with braces', { exclude: '{b.yml,.hidden.yaml}' }, ['a.yaml', 'c.json']],
    [
      'include and exclude: exclude wins; `*` spans `/`',
      { recurse: true, include: 'sub/*', exclude: '*.json' },
      ['sub/g.yaml', 'sub/i.yml'],
    ],
    [
      'include with alternatives holding wildcards',
      { recurse: true, include: '{prod/*,*.yml}' },
      ['b.yml', 'sub/i.yml', 'prod/j.yaml'],
    ],
    [
      'include is matched against the path relative to the source path',
      { include: 'app/a.yaml' },
      [],
    ],
    [
      'an empty include matches everything',
      { include: '' },
      ['a.yaml', 'b.yml', 'c.json', '.hidden.yaml'],
    ],
  ])('%s', (_name, directory, expected) => {
    expect(selectManifestFiles(files, directory)).toEqual(expected);
  });

  it('refuses a malformed glob, naming the field', () => {
    expect(() => selectManifestFiles(files, { include: '[a-' })).toThrow(
      /directory\.include "\[a-"/,
    );
  });
});

describe('renderDirectory', () => {
  it('reads multi-document YAML, skipping empty documents and comment-only ones', async () => {
    const objects = await render({
      'app/all.yaml': `---\n${cm('one')}---\n---\n# only a comment\n---\n${cm('two')}\n...\n`,
    });
    expect(names(objects)).toEqual(['one', 'two']);
  });

  it('expands Lists (any object whose items is a list) and drops null lists', async () => {
    const objects = await render({
      'app/list.yaml':
        'apiVersion: v1\nkind: List\nitems:\n' +
        '- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n' +
        '- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n' +
        '---\napiVersion: v1\nkind: ConfigMapList\nitems: null\n',
      'app/list.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'ServiceList',
        items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' } }],
      }),
    });
    expect(objects.map((o) => `${o.kind}/${(o.metadata as { name: string }).name}`)).toEqual([
      'Service/c',
      'ConfigMap/a',
      'Secret/b',
    ]);
  });

  it('refuses a List item that is not an object', async () => {
    const err = await refusal(
      render({ 'app/l.yaml': 'apiVersion: v1\nkind: List\nitems:\n- just a string\n' }),
    );
    expect(err).toEqual({
      code: 'InvalidManifest',
      message: expect.stringContaining('app/l.yaml'),
    });
  });

  it.each([
    ['a JSON array', '[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}]', 'a list'],
    [
      'a JSON object that is not a Kubernetes object',
      '{"name": "my-package"}',
      "'Kind' is missing",
    ],
    ['a JSON scalar', '"text"', 'a string'],
    ['two JSON objects', '{"kind":"A"}\n{"kind":"B"}', 'Failed to unmarshal'],
  ])('refuses %s in a .json file (Argo CD: one object per JSON file)', async (_n, text, why) => {
    const err = await refusal(render({ 'app/x.json': text }));
    expect(err.code).toBe('InvalidManifest');
    expect(err.message).toContain('"app/x.json"');
    expect(err.message).toContain(why);
  });

  it('ignores YAML files that are not Kubernetes objects and do not look like manifests', async () => {
    const objects = await render({
      'app/values.yaml': 'replicas: 3\nimage: nginx\n',
      'app/list.yaml': '- a\n- b\n',
      'app/scalar.yml': 'just text\n',
      'app/broken.yaml': 'a: [unclosed\n',
      'app/cm.yaml': cm('kept'),
    });
    expect(names(objects)).toEqual(['kept']);
  });

  it.each([
    ['a document without kind after a valid one', `${cm('a')}---\nfoo: bar\n`],
    ['a non-object document after a valid one', `${cm('a')}---\n- 1\n- 2\n`],
    [
      'a file that looks like a manifest but has no kind',
      'apiVersion: v1\nkind:\nmetadata:\n  name: x\n',
    ],
    [
      'a syntax error in a manifest-looking file',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n',
    ],
  ])('refuses %s', async (_n, text) => {
    const err = await refusal(render({ 'app/bad.yaml': text }));
    expect(err.code).toBe('InvalidManifest');
    expect(err.message).toMatch(/^Failed to unmarshal "app\/bad\.yaml"/);
  });

  it('skips files with the +argocd:skip-file-rendering marker, and .jsonnet files', async () => {
    const objects = await render({
      'app/skip.yaml': `# +argocd:skip-file-rendering\n${cm('skipped')}`,
      'app/main.jsonnet': '{}',
      'app/cm.yaml': cm('kept'),
    });
    expect(names(objects)).toEqual(['kept']);
  });

  it('decodes YAML like sigs.k8s.io/yaml: YAML 1.1 booleans, merge keys, timestamps as text', async () => {
    const [object] = await render({
      'app/cm.yaml':
        'base: &base {a: "1"}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' +
        'data:\n  <<: *base\n  b: "2"\nflag: yes\nwhen: 2024-01-01\n',
    });
    expect(object).toMatchObject({ data: { a: '1', b: '2' }, flag: true, when: '2024-01-01' });
  });

  it('refuses a YAML bomb (nested aliases), naming the file', async () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: lol}',
      'data: {x: *g}',
    ].join('\n');
    const err = await refusal(render({ 'app/bomb.yaml': bomb }));
    expect(err.code).toBe('AliasLimitExceeded');
    expect(err.message).toContain('app/bomb.yaml');
    expect(err.message).toContain('maxAliasCount 100');
  });

  it('refuses a bomb even in a file that would otherwise be ignored', async () => {
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n';
    expect((await refusal(render({ 'app/values.yaml': bomb }))).code).toBe('AliasLimitExceeded');
  });

  it('accepts a few aliases under the limit', async () => {
    const [object] = await render({
      'app/cm.yaml':
        'x: &v hello\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: *v, b: *v}\n',
    });
    expect(object?.data).toEqual({ a: 'hello', b: 'hello' });
  });

  it('refuses files over the size limit, stopping at the file that crosses it', async () => {
    const big = cm('big', `data:\n  blob: "${'x'.repeat(600)}"\n`);
    const err = await refusal(
      render(
        { 'app/1.yaml': big, 'app/2.yaml': big, 'app/3.yaml': big },
        'app',
        {},
        { maxBytes: 1000 },
      ),
    );
    expect(err.code).toBe('SourceTooLarge');
    expect(err.message).toContain('exceed 1000 bytes');
    expect(err.message).toContain('app/2.yaml');
  });

  it('reads the repository root for an empty path or "."', async () => {
    const files = { 'cm.yaml': cm('root'), 'app/cm.yaml': cm('nested') };
    expect(names(await render(files, ''))).toEqual(['root']);
    expect(names(await render(files, '.'))).toEqual(['root']);
    expect((await refusal(render(files, '/'))).code).toBe('InvalidSource');
  });

  it('refuses a missing path and a path outside the repository', async () => {
    expect(await refusal(render({ 'app/cm.yaml': cm('a') }, 'nope'))).toEqual({
      code: 'InvalidSource',
      message: `path "nope" does not exist in ${REPO} at c1`,
    });
    expect((await refusal(render({ 'app/cm.yaml': cm('a') }, 'app/../..'))).code).toBe(
      'InvalidSource',
    );
  });

  it('refuses directory.jsonnet settings (jsonnet is left out)', async () => {
    const err = await refusal(
      render({ 'app/cm.yaml': cm('a') }, 'app', { jsonnet: { libs: ['x'] } }),
    );
    expect(err.code).toBe('Unsupported');
  });

  it('strips a UTF-8 byte order mark', async () => {
    expect(names(await render({ 'app/cm.yaml': `\uFEFF${cm('bom')}` }))).toEqual(['bom']);
  });
});
