import { compileGlobField, type CompiledGlob } from './glob';
import { compileLabelSelector, type CompiledLabelSelector } from './label-selector';
import { compilePathMatch, type CompiledPathMatch } from './path-match';
import type { GroupKindPattern, TenantSpec } from './tenant-spec.schema';

/** What is about to be deployed where (one Application, optionally one of its resources). */
export interface DeploymentRequest {
  repoURL: string;
  cluster: { name: string; server?: string; labels: Readonly<Record<string, string>> };
  namespace: string;
  resource?: { group: string; kind: string; namespaced: boolean };
}

/** The rule a refused deployment broke. */
export type DeploymentRule = 'source' | 'destination' | 'clusterResource' | 'namespacedResource';

/** The answer: allowed, or why not (a sentence for the API) and which rule said no. */
export type DeploymentDecision =
  { allowed: true } | { allowed: false; reason: string; rule: DeploymentRule };

/** A tenant's deployment rules with every glob and selector compiled once. */
export interface TenantPolicy {
  readonly tenant: string;
  checkDeployment(request: DeploymentRequest): DeploymentDecision;
}

/**
 * Argo CD's `git.NormalizeGitURL`: trimmed, lower-cased, scp-style `git@host:path` read as
 * `ssh://git@host/path`, `.git` dropped, `ssh://` dropped; applied to patterns and URLs alike.
 */
export function normalizeRepoURL(url: string): string {
  let repo = url.trim().toLowerCase();
  if (/^(ssh:\/\/)?([^/:]*?)@[^@]+$/.test(repo) && !repo.startsWith('ssh://')) {
    repo = `ssh://${repo.replace(':', '/')}`;
  }
  if (repo.endsWith('.git')) repo = repo.slice(0, -4);
  return repo.startsWith('ssh://') ? repo.slice('ssh://'.length) : repo;
}

interface CompiledDestination {
  selector: CompiledLabelSelector;
  allow: CompiledGlob[];
  deny: CompiledGlob[];
}

interface CompiledGroupKind {
  entry: GroupKindPattern;
  group: CompiledPathMatch;
  kind: CompiledPathMatch;
}

const showGroupKind = (group: string, kind: string): string =>
  group === '' ? kind : `${group}/${kind}`;
const showLabels = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || 'none';
const ALLOWED: DeploymentDecision = Object.freeze({ allowed: true });
const denied = (reason: string, rule: DeploymentRule): DeploymentDecision => ({
  allowed: false,
  reason,
  rule,
});

// Argo CD's globMatch: a bare `*` matches everything, even across the `/` separator of URLs.
const MATCH_ALL: CompiledGlob = { pattern: '*', separators: '/', match: () => true };
const sourceGlob = (pattern: string, field: string): CompiledGlob =>
  pattern === '*' ? MATCH_ALL : compileGlobField(normalizeRepoURL(pattern), field, '/');

function compileGroupKinds(list: readonly GroupKindPattern[], name: string): CompiledGroupKind[] {
  return list.map((entry, i) => ({
    entry,
    group: compilePathMatch(entry.group, `${name}[${i}].group`),
    kind: compilePathMatch(entry.kind, `${name}[${i}].kind`),
  }));
}

/**
 * Compiles a tenant's deployment rules once; `checkDeployment` then costs about a microsecond
 * (regular-expression tests and label look-ups, no allocation on the allowed path). Rules, after
 * Argo CD's AppProject, checked in this order:
 * - source: some `sourceRepos` allow glob matches the normalized repo URL, and no `!` entry or
 *   `sourceReposDeny` glob does (`/` is a separator: `*` stays within one path segment);
 * - destination: among destinations whose `clusterSelector` matches the cluster's labels, some
 *   namespace glob allows the namespace and no `!` glob denies it;
 * - cluster-scoped kinds must be in `clusterResourceWhitelist` (empty: none allowed);
 * - namespaced kinds must not be in `namespaceResourceBlacklist`.
 */
export function compileTenantPolicy(spec: TenantSpec): TenantPolicy {
  const tenant = spec.name;
  const sourceAllow: CompiledGlob[] = [];
  const sourceDeny: { glob: CompiledGlob; entry: string }[] = [];
  spec.sourceRepos.forEach((entry, i) => {
    const isDeny = entry.startsWith('!');
    const glob = sourceGlob(isDeny ? entry.slice(1) : entry, `sourceRepos[${i}]`);
    if (isDeny) sourceDeny.push({ glob, entry: `"${entry}"` });
    else sourceAllow.push(glob);
  });
  spec.sourceReposDeny.forEach((entry, i) => {
    const glob = sourceGlob(entry, `sourceReposDeny[${i}]`);
    sourceDeny.push({ glob, entry: `sourceReposDeny "${entry}"` });
  });
  const allowedSources = spec.sourceRepos.filter((s) => !s.startsWith('!')).join(', ') || 'none';
  const destinations: CompiledDestination[] = spec.destinations.map((d, i) => ({
    selector: compileLabelSelector(d.clusterSelector, {
      field: `destinations[${i}].clusterSelector`,
    }),
    allow: d.namespaces.flatMap((ns, j) =>
      ns.startsWith('!') ? [] : [compileGlobField(ns, `destinations[${i}].namespaces[${j}]`)],
    ),
    deny: d.namespaces.flatMap((ns, j) =>
      ns.startsWith('!')
        ? [compileGlobField(ns.slice(1), `destinations[${i}].namespaces[${j}]`)]
        : [],
    ),
  }));
  const clusterKinds = compileGroupKinds(spec.clusterResourceWhitelist, 'clusterResourceWhitelist');
  const deniedKinds = compileGroupKinds(
    spec.namespaceResourceBlacklist,
    'namespaceResourceBlacklist',
  );
  const allowedClusterKinds = spec.clusterResourceWhitelist
    .map((gk) => showGroupKind(gk.group, gk.kind))
    .join(', ');

  function checkSource(repoURL: string): DeploymentDecision | undefined {
    const url = normalizeRepoURL(repoURL);
    for (const d of sourceDeny) {
      if (d.glob.match(url))
        return denied(`source ${repoURL} is denied in tenant ${tenant} by ${d.entry}`, 'source');
    }
    if (!sourceAllow.some((g) => g.match(url))) {
      return denied(
        `source ${repoURL} is not permitted in tenant ${tenant} (allowed: ${allowedSources})`,
        'source',
      );
    }
    return undefined;
  }

  function checkDestination(
    cluster: DeploymentRequest['cluster'],
    namespace: string,
  ): DeploymentDecision | undefined {
    let clusterMatched = false;
    let allowed = false;
    const allowedHere: string[] = [];
    for (const d of destinations) {
      if (!d.selector.matches(cluster.labels)) continue;
      clusterMatched = true;
      const deny = d.deny.find((g) => g.match(namespace));
      if (deny) {
        const reason = `namespace ${namespace} on cluster ${cluster.name} is denied in tenant ${tenant} by "!${deny.pattern}"`;
        return denied(reason, 'destination');
      }
      if (!allowed) allowed = d.allow.some((g) => g.match(namespace));
      if (!allowed) allowedHere.push(...d.allow.map((g) => g.pattern));
    }
    if (!clusterMatched) {
      const reason = `cluster ${cluster.name} is not a permitted destination of tenant ${tenant} (no destination's clusterSelector matches its labels: ${showLabels(cluster.labels)})`;
      return denied(reason, 'destination');
    }
    if (!allowed) {
      const list = [...new Set(allowedHere)].join(', ') || 'none';
      return denied(
        `namespace ${namespace} on cluster ${cluster.name} is not permitted in tenant ${tenant} (allowed: ${list})`,
        'destination',
      );
    }
    return undefined;
  }

  function checkResource(
    resource: NonNullable<DeploymentRequest['resource']>,
  ): DeploymentDecision | undefined {
    const { group, kind, namespaced } = resource;
    const shown = showGroupKind(group, kind);
    if (!namespaced) {
      if (clusterKinds.some((c) => c.group.match(group) && c.kind.match(kind))) return undefined;
      const allowedText =
        allowedClusterKinds === ''
          ? 'no cluster-scoped kinds are allowed'
          : `allowed: ${allowedClusterKinds}`;
      return denied(
        `cluster-scoped resource ${shown} is not permitted in tenant ${tenant} (${allowedText})`,
        'clusterResource',
      );
    }
    const hit = deniedKinds.find((c) => c.group.match(group) && c.kind.match(kind));
    if (!hit) return undefined;
    const entry = `{group: ${JSON.stringify(hit.entry.group)}, kind: ${JSON.stringify(hit.entry.kind)}}`;
    return denied(
      `namespaced resource ${shown} is denied in tenant ${tenant} by namespaceResourceBlacklist entry ${entry}`,
      'namespacedResource',
    );
  }

  return {
    tenant,
    checkDeployment(request) {
      return (
        checkSource(request.repoURL) ??
        checkDestination(request.cluster, request.namespace) ??
        (request.resource ? checkResource(request.resource) : undefined) ??
        ALLOWED
      );
    },
  };
}

const compiledPolicies = new WeakMap<TenantSpec, TenantPolicy>();

/**
 * May tenant `spec` deploy `request.repoURL` to this cluster and namespace (and this resource)?
 * Compiles the spec once per object; for many checks hold on to {@link compileTenantPolicy}.
 */
export function checkDeployment(spec: TenantSpec, request: DeploymentRequest): DeploymentDecision {
  let policy = compiledPolicies.get(spec);
  if (!policy) {
    policy = compileTenantPolicy(spec);
    compiledPolicies.set(spec, policy);
  }
  return policy.checkDeployment(request);
}
