import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { GitSource } from '@flotilla/generators';
import { stringify } from 'yaml';
import type { ApplicationSource, HelmSettings } from './application-source';
import { filesBelow, normalizeSourcePath, renderDirectory } from './directory-source';
import { ExternalTools } from './external-tools';
import { expandLists, parseToolOutput, type ManifestObject } from './manifest-documents';
import { RenderError } from './render-error';
import type { RenderLimits } from './render-limits';

/** How a source is rendered (Argo CD's `ApplicationSourceType`, without plugins). */
export type SourceType = 'Directory' | 'Helm' | 'Kustomize';

// Argo CD's kustomize.KustomizationNames.
const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * The type the source names (`helm`, `kustomize`, `directory` present, Argo CD's
 * `ExplicitType`), or undefined; naming two is an error.
 */
export function explicitSourceType(source: ApplicationSource): SourceType | undefined {
  const named: SourceType[] = [];
  if (source.kustomize != null) named.push('Kustomize');
  if (source.helm != null) named.push('Helm');
  if (source.directory != null) named.push('Directory');
  if (source.plugin != null) {
    throw new RenderError(
      'Unsupported',
      'plugin: config management plugins are not rendered by Flotilla',
    );
  }
  if (named.length > 1) {
    throw new RenderError(
      'InvalidSource',
      `multiple application sources defined: ${named.join(',')}`,
    );
  }
  return named[0];
}

/**
 * The type of a source path by its files (Argo CD's `discovery.AppType`): a file directly in the
 * path named `*Chart.yaml` makes it Helm, a kustomization file Kustomize (which wins over Helm),
 * anything else is a plain directory.
 */
export function detectSourceType(filesInPath: readonly string[]): SourceType {
  let type: SourceType = 'Directory';
  for (const file of filesInPath) {
    if (file.includes('/')) continue;
    if (file.endsWith('Chart.yaml') && type === 'Directory') type = 'Helm';
    if (KUSTOMIZATION_NAMES.includes(file)) type = 'Kustomize';
  }
  return type;
}

/** What a render needs beyond the source: its commit and the Application it is for. */
export interface RenderRequest {
  source: ApplicationSource;
  /** The resolved commit of `source.targetRevision`. */
  commit: string;
  /** Helm's default release name (Argo CD uses the Application's name). */
  releaseName: string;
  /** The destination namespace: Helm's default `--namespace`. */
  namespace?: string;
}

/** The objects a source renders to, and how they were rendered. */
export interface RenderedSource {
  type: SourceType;
  objects: ManifestObject[];
}

/** Renders Application sources from Git: directories in process, Helm and Kustomize by tool. */
export class SourceRenderer {
  constructor(
    private readonly git: GitSource,
    private readonly limits: RenderLimits,
    private readonly tools: ExternalTools = new ExternalTools(),
  ) {}

  /** Renders one source at its commit. */
  async render(request: RenderRequest): Promise<RenderedSource> {
    const { source, commit } = request;
    if (source.chart) {
      throw new RenderError(
        'Unsupported',
        `chart ${JSON.stringify(source.chart)}: Helm repository charts are not rendered yet; put the chart in Git`,
      );
    }
    const at = { repoURL: source.repoURL, commit, path: source.path };
    const type = explicitSourceType(source) ?? detectSourceType(await filesBelow(this.git, at));
    switch (type) {
      case 'Directory':
        return {
          type,
          objects: await renderDirectory(this.git, at, source.directory, this.limits),
        };
      case 'Helm':
        return { type, objects: await this.helm(request) };
      case 'Kustomize':
        return { type, objects: await this.kustomize(request) };
    }
  }

  private async helm(request: RenderRequest): Promise<ManifestObject[]> {
    await this.tools.require('helm');
    const helm: HelmSettings = request.source.helm ?? {};
    const at = {
      repoURL: request.source.repoURL,
      commit: request.commit,
      path: request.source.path,
    };
    return this.tools.withCheckout(this.git, at, this.limits, async (tree) => {
      const chart = join(tree, normalizeSourcePath(at.path));
      const home = join(tree, '..', 'home');
      await mkdir(home, { recursive: true });
      const args = ['template', helm.releaseName || request.releaseName, '.'];
      const namespace = helm.namespace || request.namespace;
      if (namespace) args.push('--namespace', namespace);
      for (const file of helm.valueFiles ?? []) {
        const path = await valuesFile(tree, chart, file, helm.ignoreMissingValueFiles === true);
        if (path !== undefined) args.push('--values', path);
      }
      // Inline values come last, so they win over values files (Argo CD's ExtraValues).
      const inline = helm.valuesObject !== undefined ? stringify(helm.valuesObject) : helm.values;
      if (inline) {
        const path = join(home, 'inline-values.yaml');
        await writeFile(path, inline);
        args.push('--values', path);
      }
      for (const p of helm.parameters ?? []) {
        args.push(p.forceString ? '--set-string' : '--set', `${p.name}=${p.value}`);
      }
      if (!helm.skipCrds) args.push('--include-crds');
      const out = await this.tools.run('helm', args, this.runOptions(chart, home));
      return expandLists(parseToolOutput('helm template', out, this.limits.maxAliasCount));
    });
  }

  private async kustomize(request: RenderRequest): Promise<ManifestObject[]> {
    await this.tools.require('kustomize');
    const options = Object.keys(request.source.kustomize ?? {}).filter((k) => k !== 'version');
    if (options.length > 0) {
      throw new RenderError(
        'Unsupported',
        `kustomize.${options.join(', kustomize.')}: not applied by Flotilla yet; set them in the kustomization file`,
      );
    }
    const at = {
      repoURL: request.source.repoURL,
      commit: request.commit,
      path: request.source.path,
    };
    return this.tools.withCheckout(this.git, at, this.limits, async (tree) => {
      const dir = join(tree, normalizeSourcePath(at.path));
      const home = join(tree, '..', 'home');
      await mkdir(home, { recursive: true });
      const out = await this.tools.run('kustomize', ['build', '.'], this.runOptions(dir, home));
      return expandLists(parseToolOutput('kustomize build', out, this.limits.maxAliasCount));
    });
  }

  private runOptions(cwd: string, home: string) {
    return { cwd, home, timeoutMs: this.limits.toolTimeoutMs, maxBytes: this.limits.maxBytes };
  }
}

/** A values file's path in the checkout (relative to the chart), refused outside the repository. */
async function valuesFile(
  tree: string,
  chart: string,
  file: string,
  ignoreMissing: boolean,
): Promise<string | undefined> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    throw new RenderError(
      'Unsupported',
      `helm.valueFiles ${JSON.stringify(file)}: remote values files are not fetched`,
    );
  }
  const path = resolve(chart, file);
  const rel = relative(tree, path);
  if (rel.startsWith(`..${sep}`) || rel === '..' || resolve(tree, rel) !== path) {
    throw new RenderError(
      'InvalidSource',
      `helm.valueFiles ${JSON.stringify(file)}: must stay inside the repository`,
    );
  }
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  return exists || !ignoreMissing ? path : undefined;
}
