import { canonicalDigest, type JsonObjectValue, type TenantPolicy } from '@flotilla/domain';
import type { GitSource } from '@flotilla/generators';
import { isGitError } from '@flotilla/git';
import {
  buildBundle,
  bundlePolicyViolation,
  isRenderError,
  type ApplicationSource,
  type Bundle,
  type RenderLimits,
  SourceRenderer,
} from '@flotilla/render';

/** One Application to render, as the read models hold it. */
export interface RenderTarget {
  applicationId: string;
  name: string;
  clusterId: string;
  clusterName: string;
  clusterLabels: Record<string, string>;
  spec: JsonObjectValue;
  digest: string;
}

type SourceType = 'Directory' | 'Helm' | 'Kustomize';
type Rendered = { type: SourceType; bundle: Bundle };
type Failure = { code: string; message: string };

/** What rendering one Application gave: a bundle to deliver, or why not. */
export type RenderOutcome =
  | {
      ok: true;
      targetRevision: string;
      commit: string;
      bundle: Bundle;
      sourceType: SourceType;
      namespace: string;
      prune: boolean;
      selfHeal: boolean;
    }
  | { ok: false; targetRevision: string; commit: string | null; code: string; message: string };

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

/** Where the Application goes and how it syncs, from its spec. */
function deliveryOptions(spec: JsonObjectValue) {
  const destination = asRecord(spec.destination);
  const automated = asRecord(asRecord(spec.syncPolicy)?.automated);
  return {
    namespace: typeof destination?.namespace === 'string' ? destination.namespace : '',
    prune: automated?.prune === true,
    selfHeal: automated?.selfHeal === true,
  };
}

/** A failure's code and message, from Git, the renderer, or anything else. */
function failure(error: unknown): { code: string; message: string } {
  if (isGitError(error)) return { code: error.code, message: error.message };
  if (isRenderError(error)) return { code: error.code, message: error.message };
  return { code: 'RenderFailed', message: (error as Error).message ?? String(error) };
}

/**
 * Renders Applications into bundles. The same source at the same commit (and, for Helm, the same
 * release name and namespace) renders once: 2,000 Applications of one source cost one render,
 * here and across jobs (a small cache of recent renderings, each a content-addressed bundle).
 */
export class ApplicationRenderer {
  private readonly recent = new Map<string, Promise<Rendered | Failure>>();

  constructor(
    private readonly limits: RenderLimits,
    private readonly cacheSize = 256,
  ) {}

  /**
   * Renders one Application through `git` (its tenant's view), checked against `policy`.
   * `resolutions` holds the revisions already resolved in this pass (one per tenant and job):
   * 3,000 Applications of one repository resolve its branch once, and an unreachable repository
   * costs one failed fetch, not one per Application.
   */
  async render(
    target: RenderTarget,
    git: GitSource,
    policy: TenantPolicy,
    resolutions: Map<string, Promise<string>> = new Map(),
  ): Promise<RenderOutcome> {
    const options = deliveryOptions(target.spec);
    const source = asRecord(target.spec.source) as ApplicationSource | undefined;
    const targetRevision = typeof source?.targetRevision === 'string' ? source.targetRevision : '';
    if (!source) {
      const multi = Array.isArray(target.spec.sources);
      return {
        ok: false,
        targetRevision,
        commit: null,
        code: multi ? 'Unsupported' : 'InvalidSource',
        message: multi
          ? 'spec.sources: multi-source Applications are not rendered yet; use spec.source'
          : 'spec.source is required',
      };
    }
    let commit: string;
    try {
      const key = `${source.repoURL}\n${targetRevision || 'HEAD'}`;
      let resolving = resolutions.get(key);
      if (!resolving) {
        resolving = git.resolveRevision(source.repoURL, targetRevision || 'HEAD');
        resolutions.set(key, resolving);
      }
      commit = await resolving;
    } catch (error) {
      return { ok: false, targetRevision, commit: null, ...failure(error) };
    }
    const { targetRevision: _revision, ...rest } = source;
    const helmNames = source.helm != null ? { release: target.name, ns: options.namespace } : null;
    const key = canonicalDigest({ source: rest, commit, helmNames } as unknown as JsonObjectValue);
    const rendered = await this.cached(key, async () => {
      const result = await new SourceRenderer(git, this.limits).render({
        source,
        commit,
        releaseName: target.name,
        namespace: options.namespace,
      });
      return { type: result.type, bundle: buildBundle(result.objects, this.limits) };
    });
    if (!('bundle' in rendered)) return { ok: false, targetRevision, commit, ...rendered };
    const violation = bundlePolicyViolation(policy, rendered.bundle.manifests, {
      repoURL: source.repoURL,
      cluster: { name: target.clusterName, labels: target.clusterLabels },
      namespace: options.namespace,
    });
    if (violation)
      return { ok: false, targetRevision, commit, code: 'PolicyViolation', message: violation };
    return {
      ok: true,
      targetRevision,
      commit,
      bundle: rendered.bundle,
      sourceType: rendered.type,
      ...options,
    };
  }

  private async cached(key: string, render: () => Promise<Rendered>): Promise<Rendered | Failure> {
    let entry = this.recent.get(key);
    if (!entry) {
      entry = render().catch((error: unknown) => failure(error));
      this.recent.set(key, entry);
      if (this.recent.size > this.cacheSize) {
        const oldest = this.recent.keys().next().value;
        if (oldest !== undefined) this.recent.delete(oldest);
      }
    }
    const result = await entry;
    // A tool or Git failure may be transient: only successes stay cached.
    if (!('bundle' in result)) this.recent.delete(key);
    return result;
  }
}
