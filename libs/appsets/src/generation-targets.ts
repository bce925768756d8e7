import { repositoryKey } from '@flotilla/git';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What of the fleet an ApplicationSet's generation reads, as far as triggers care. */
export interface GenerationTargets {
  /** A cluster generator appears somewhere (top level, or inside matrix/merge). */
  usesClusters: boolean;
  /** Repositories read by Git generators or named by templates (not templated URLs). */
  repoURLs: string[];
  /** `repositoryKey` of each of {@link repoURLs}. */
  repoKeys: string[];
  /** The repositories Git generators read (their content decides what is generated). */
  generatorRepoURLs: string[];
}

interface Found {
  clusters: boolean;
  repos: Set<string>;
  generatorRepos: Set<string>;
}

function walkGenerators(generators: unknown, found: Found) {
  if (!Array.isArray(generators)) return;
  for (const generator of generators) {
    if (!isObject(generator)) continue;
    if ('clusters' in generator) found.clusters = true;
    const git = generator['git'];
    if (isObject(git) && typeof git['repoURL'] === 'string' && !git['repoURL'].includes('{{'))
      found.generatorRepos.add(git['repoURL'].trim());
    for (const nested of Object.values(generator))
      if (isObject(nested)) walkGenerators(nested['generators'], found);
  }
}

function walkRepoURLs(value: unknown, repos: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) walkRepoURLs(v, repos);
  else if (isObject(value))
    for (const [key, v] of Object.entries(value)) {
      if (key === 'repoURL' && typeof v === 'string' && v !== '' && !v.includes('{{'))
        repos.add(v.trim());
      else walkRepoURLs(v, repos);
    }
}

/**
 * Reads from a manifest (as stored) whether it uses cluster generators and which repositories
 * it reads: which fleet changes and which Git pushes must regenerate it.
 */
export function generationTargets(manifest: unknown): GenerationTargets {
  const spec = isObject(manifest) && isObject(manifest['spec']) ? manifest['spec'] : {};
  const found: Found = { clusters: false, repos: new Set(), generatorRepos: new Set() };
  walkGenerators(spec['generators'], found);
  walkRepoURLs(spec, found.repos);
  const repoURLs = [...found.repos].sort();
  const keys = new Set<string>();
  for (const url of repoURLs) {
    try {
      keys.add(repositoryKey(url));
    } catch {
      // A URL that does not normalize is refused at generation; it has no mirror to follow.
    }
  }
  return {
    usesClusters: found.clusters,
    repoURLs,
    repoKeys: [...keys].sort(),
    generatorRepoURLs: [...found.generatorRepos].sort(),
  };
}
