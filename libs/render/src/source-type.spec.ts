import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MemoryGitSource } from '@flotilla/generators';
import { ExternalTools } from './external-tools';
import { isRenderError, type RenderError } from './render-error';
import { renderLimits } from './render-limits';
import { detectSourceType, explicitSourceType, SourceRenderer } from './source-type';

const REPO = 'https://example.com/config.git';
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n';
const git = new MemoryGitSource({
  [REPO]: {
    c1: {
      'chart/Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 0.1.0\n',
      'chart/values.yaml': 'message: hello\n',
      'chart/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message }}\n',
      'overlay/kustomization.yaml': 'resources:\n- cm.yaml\nnamePrefix: k-\n',
      'overlay/cm.yaml': CM,
      'plain/cm.yaml': CM,
    },
  },
});
const onPath = (tool: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, tool)));

async function refusal(promise: Promise<unknown>): Promise<RenderError> {
  try {
    await promise;
  } catch (error) {
    if (isRenderError(error)) return error;
    throw error;
  }
  throw new Error('expected a RenderError');
}

describe('source type (Argo CD discovery)', () => {
  it.each([
    [['Chart.yaml', 'values.yaml', 'templates/a.yaml'], 'Helm'],
    [['MyChart.yaml'], 'Helm'], // Argo CD matches the suffix
    [['kustomization.yaml'], 'Kustomize'],
    [['kustomization.yml'], 'Kustomize'],
    [['Kustomization'], 'Kustomize'],
    [['Chart.yaml', 'kustomization.yaml'], 'Kustomize'],
    [['kustomization.yaml', 'Chart.yaml'], 'Kustomize'],
    [['sub/Chart.yaml', 'sub/kustomization.yaml', 'cm.yaml'], 'Directory'],
    [['Kustomization.yaml', 'chart.yaml'], 'Directory'],
  ])('%j is %s', (files, type) => {
    expect(detectSourceType(files)).toBe(type);
  });

  it('an explicit type wins, two are refused, plugins are unsupported', () => {
    expect(explicitSourceType({ repoURL: REPO, directory: { recurse: true } })).toBe('Directory');
    expect(explicitSourceType({ repoURL: REPO, helm: {} })).toBe('Helm');
    expect(explicitSourceType({ repoURL: REPO })).toBeUndefined();
    expect(() => explicitSourceType({ repoURL: REPO, helm: {}, directory: {} })).toThrow(
      'multiple application sources defined: Helm,Directory',
    );
    expect(() => explicitSourceType({ repoURL: REPO, plugin: { name: 'x' } })).toThrow(/plugins/);
  });
});

describe('SourceRenderer', () => {
  // A PATH with no tools at all: deterministic whatever this machine has installed.
  const noTools = new SourceRenderer(
    git,
    renderLimits(),
    new ExternalTools({ path: '/nonexistent' }),
  );
  const request = (path: string, extra = {}) => ({
    source: { repoURL: REPO, path, ...extra },
    commit: 'c1',
    releaseName: 'demo-app',
    namespace: 'shop',
  });

  it('renders a plain directory without tools', async () => {
    const rendered = await noTools.render(request('plain'));
    expect(rendered.type).toBe('Directory');
    expect(rendered.objects).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' } },
    ]);
  });

  it.each([
    ['helm', 'chart'],
    ['kustomize', 'overlay'],
  ])('says clearly when %s is missing (ToolMissing)', async (tool, path) => {
    const err = await refusal(noTools.render(request(path)));
    expect(err.code).toBe('ToolMissing');
    expect(err.message).toBe(
      `${tool} is not installed on this worker: install it (the Docker image has it) or use a plain directory source`,
    );
  });

  it('an explicit directory renders a chart folder as plain files (no tool needed)', async () => {
    const rendered = await noTools.render(request('overlay', { directory: {} }));
    expect(rendered.type).toBe('Directory');
  });

  it('refuses Helm repository charts and kustomize options it does not apply', async () => {
    expect((await refusal(noTools.render(request('', { chart: 'nginx' })))).code).toBe(
      'Unsupported',
    );
    const tools = new ExternalTools({ path: '/nonexistent' });
    // The missing tool is reported first: it is what the operator must fix.
    expect(
      (
        await refusal(
          new SourceRenderer(git, renderLimits(), tools).render(
            request('overlay', { kustomize: { namePrefix: 'x-' } }),
          ),
        )
      ).code,
    ).toBe('ToolMissing');
  });

  it('looks a tool up once', async () => {
    const tools = new ExternalTools({ path: '/nonexistent' });
    const first = tools.locate('helm');
    expect(tools.locate('helm')).toBe(first);
    expect(await first).toBeUndefined();
  });

  // Real rendering only where the binaries exist (they do not on the development machines).
  const withHelm = onPath('helm') ? it : it.skip;
  const withKustomize = onPath('kustomize') ? it : it.skip;
  const real = new SourceRenderer(git, renderLimits());

  withHelm('renders a chart with helm template', async () => {
    const rendered = await real.render(
      request('chart', { helm: { parameters: [{ name: 'message', value: 'hi' }] } }),
    );
    expect(rendered.type).toBe('Helm');
    expect(rendered.objects).toEqual([
      expect.objectContaining({
        kind: 'ConfigMap',
        metadata: { name: 'demo-app' },
        data: { message: 'hi' },
      }),
    ]);
  });

  withKustomize('renders an overlay with kustomize build', async () => {
    const rendered = await real.render(request('overlay'));
    expect(rendered.type).toBe('Kustomize');
    expect(rendered.objects).toEqual([
      expect.objectContaining({ kind: 'ConfigMap', metadata: { name: 'k-plain' } }),
    ]);
  });
});
