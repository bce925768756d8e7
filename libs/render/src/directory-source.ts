import { compileGlob, GlobSyntaxError, type CompiledGlob } from '@flotilla/domain';
import type { GitSource } from '@flotilla/generators';
import type { DirectorySettings } from './application-source';
import {
  expandLists,
  parseJsonManifest,
  parseYamlManifests,
  skipsRendering,
  type ManifestObject,
} from './manifest-documents';
import { RenderError } from './render-error';
import type { RenderLimits } from './render-limits';

/** Where a source lives: a repository at a resolved commit, and the path in it. */
export interface SourceLocation {
  repoURL: string;
  commit: string;
  /** Slash-separated, relative to the repository root; empty or `.` for the root. */
  path?: string;
}

// Argo CD's `manifestFile` pattern; `.jsonnet` files match it but are not rendered here.
const MANIFEST_FILE = /^.*\.(yaml|yml|json|jsonnet)$/;

/**
 * The source path normalized (no leading, trailing or doubled slashes; `''` for the root).
 * Refuses absolute paths and `..` (Argo CD's "app path is outside the repository").
 */
export function normalizeSourcePath(path: string | undefined): string {
  const parts = (path ?? '').split('/').filter((p) => p !== '' && p !== '.');
  if ((path ?? '').startsWith('/') || parts.includes('..')) {
    throw new RenderError(
      'InvalidSource',
      `path ${JSON.stringify(path)}: must stay inside the repository`,
    );
  }
  return parts.join('/');
}

/** The files below `root` (`''` for the whole tree) as paths relative to it; throws if absent. */
export async function filesBelow(git: GitSource, at: SourceLocation): Promise<string[]> {
  const root = normalizeSourcePath(at.path);
  if (root !== '' && !(await git.listDirectories(at.repoURL, at.commit)).includes(root)) {
    throw new RenderError(
      'InvalidSource',
      `path ${JSON.stringify(root)} does not exist in ${at.repoURL} at ${at.commit}`,
    );
  }
  const prefix = root === '' ? '' : `${root}/`;
  return (await git.listFiles(at.repoURL, at.commit))
    .filter((f) => f.startsWith(prefix))
    .map((f) => f.slice(prefix.length))
    .sort(byWalkOrder);
}

// filepath.Walk's order: lexical per directory, so compare segment by segment ("a/x" < "a-b").
function byWalkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] as string;
    const q = y[i] as string;
    if (p !== q) return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

function compileFilter(field: 'include' | 'exclude', pattern: string | undefined) {
  if (pattern === undefined || pattern === '') return undefined;
  try {
    // No separators, as Argo CD calls glob.Match here: `*` also spans `/`.
    return compileGlob(pattern);
  } catch (error) {
    if (!(error instanceof GlobSyntaxError)) throw error;
    // Argo CD logs the bad pattern and matches nothing; we say so instead.
    throw new RenderError(
      'InvalidSource',
      `directory.${field} ${JSON.stringify(pattern)}: ${error.message}`,
    );
  }
}

/**
 * The paths (relative to the source path) Argo CD's `getPotentiallyValidManifests` would read:
 * `*.yaml`, `*.yml`, `*.json` (hidden files included, as its walk includes them), only the top
 * directory unless `recurse`, not matching `exclude`, matching `include`.
 */
export function selectManifestFiles(
  files: readonly string[],
  directory: DirectorySettings = {},
): string[] {
  const exclude: CompiledGlob | undefined = compileFilter('exclude', directory.exclude);
  const include: CompiledGlob | undefined = compileFilter('include', directory.include);
  return files.filter((rel) => {
    if (!directory.recurse && rel.includes('/')) return false;
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (!MANIFEST_FILE.test(name) || name.endsWith('.jsonnet')) return false;
    if (exclude?.match(rel)) return false;
    return include === undefined || include.match(rel);
  });
}

/** The objects of one manifest file, by its extension (Argo CD's `getObjsFromYAMLOrJSON`). */
export function parseManifestFile(
  file: string,
  text: string,
  maxAliasCount: number,
): ManifestObject[] {
  const content = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return file.endsWith('.json')
    ? parseJsonManifest(file, content)
    : parseYamlManifests(file, content, maxAliasCount);
}

/**
 * Renders a plain directory source (Argo CD's `findManifests`, without jsonnet): the objects of
 * its YAML and JSON files with `List`s expanded, in walk order. Files are read one at a time and
 * their total size is checked as they are read, so an oversized source stops early.
 */
export async function renderDirectory(
  git: GitSource,
  at: SourceLocation,
  directory: DirectorySettings = {},
  limits: Pick<RenderLimits, 'maxBytes' | 'maxAliasCount'>,
): Promise<ManifestObject[]> {
  if (directory.jsonnet !== undefined && Object.keys(directory.jsonnet).length > 0) {
    throw new RenderError(
      'Unsupported',
      'directory.jsonnet: jsonnet is not rendered by Flotilla; render it to YAML or JSON in the repository',
    );
  }
  const root = normalizeSourcePath(at.path);
  const selected = selectManifestFiles(await filesBelow(git, at), directory);
  const objects: ManifestObject[] = [];
  let bytes = 0;
  for (const rel of selected) {
    const file = root === '' ? rel : `${root}/${rel}`;
    const text = await git.readFile(at.repoURL, at.commit, file);
    if (skipsRendering(text)) continue;
    bytes += Buffer.byteLength(text, 'utf8');
    if (bytes > limits.maxBytes) {
      throw new RenderError(
        'SourceTooLarge',
        `the manifest files of ${at.repoURL} at ${root || '.'} exceed ${limits.maxBytes} bytes (over ${bytes} read when ${file} was reached)`,
        file,
      );
    }
    objects.push(...expandLists(parseManifestFile(file, text, limits.maxAliasCount), file));
  }
  return objects;
}
