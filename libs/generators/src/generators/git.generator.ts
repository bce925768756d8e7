import type { GitGeneratorSpec } from '../application-set.types';
import { GenerationError, errorMessage, wrapError } from '../errors';
import type { GenerationContext } from '../generation-context';
import { goSprintV } from '../go-print';
import { isPlainObject, type ParamSet } from '../param-merge';
import { compileDoublestar, compileGitPathspec, compileGoPathMatch } from '../path-glob';
import { sanitizeName } from '../sanitize-name';
import type { GitSource } from '../sources';
import { parseGoYaml } from '../yaml-document';
import { appendTemplatedValues } from './templated-values';

/**
 * The Git generator: `directories` (one parameter set per matching directory) or `files` (one
 * per JSON/YAML object in each matching file, an array file giving one per element).
 */
export async function generateGit(
  spec: GitGeneratorSpec,
  ctx: GenerationContext,
): Promise<ParamSet[]> {
  const git = ctx.inputs.git;
  if (spec.directories.length === 0 && spec.files.length === 0)
    throw new GenerationError('ApplicationSet is empty');
  try {
    if (!git) throw new GenerationError(`no Git source is configured for ${spec.repoURL}`);
    if (spec.directories.length > 0) return await directoryParams(spec, git, ctx);
    return await fileParams(spec, git, ctx);
  } catch (err) {
    throw wrapError('error generating params from git', err);
  }
}

async function resolve(spec: GitGeneratorSpec, git: GitSource): Promise<string> {
  return git.resolveRevision(spec.repoURL, spec.revision || 'HEAD');
}

// Argo CD's repo server walks a checkout in lexical order per directory, skipping any directory
// whose name starts with a dot (and everything below it).
function walkOrder(dirs: string[]): string[] {
  const visible = dirs.filter(
    (d) => d !== '' && d !== '.' && !d.split('/').some((s) => s.startsWith('.')),
  );
  const key = (d: string): string[] => d.split('/');
  return visible.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const xi = x[i] as string;
      const yi = y[i] as string;
      if (xi !== yi) return xi < yi ? -1 : 1;
    }
    return x.length - y.length;
  });
}

async function directoryParams(
  spec: GitGeneratorSpec,
  git: GitSource,
  ctx: GenerationContext,
): Promise<ParamSet[]> {
  let all: string[];
  try {
    all = walkOrder(await git.listDirectories(spec.repoURL, await resolve(spec, git)));
  } catch (err) {
    throw wrapError('error getting directories from repo', err);
  }
  // A malformed pattern is logged and skipped by Argo CD, not reported.
  const matchers = spec.directories.flatMap((d) => {
    try {
      return [{ re: compileGoPathMatch(d.path), exclude: d.exclude }];
    } catch {
      return [];
    }
  });
  const selected = all.filter((p) => {
    const hits = matchers.filter((m) => m.re.test(p));
    return hits.some((m) => !m.exclude) && !hits.some((m) => m.exclude);
  });
  try {
    return selected.map((dir) => {
      const params = pathParams(dir, spec.pathParamPrefix, ctx.renderer.mode.goTemplate, undefined);
      appendTemplatedValues(
        spec.values,
        params,
        ctx.renderer,
        'failed to append templated values: failed to replace templated string',
      );
      return params;
    });
  } catch (err) {
    throw wrapError('error generating params from apps', err);
  }
}

async function fileParams(
  spec: GitGeneratorSpec,
  git: GitSource,
  ctx: GenerationContext,
): Promise<ParamSet[]> {
  const commit = await resolve(spec, git);
  const files = await git.listFiles(spec.repoURL, commit);
  const compile = ctx.inputs.newGitFileGlobbing ? compileDoublestar : compileGitPathspec;
  const selected = new Set<string>();
  for (const item of spec.files.filter((f) => !f.exclude)) {
    const match = compile(item.path);
    for (const f of files) if (match(f)) selected.add(f);
  }
  for (const item of spec.files.filter((f) => f.exclude)) {
    const match = compile(item.path);
    for (const f of [...selected]) if (match(f)) selected.delete(f);
  }
  const out: ParamSet[] = [];
  for (const path of [...selected].sort(byteOrder)) {
    const content = await git.readFile(spec.repoURL, commit, path);
    try {
      out.push(...paramsFromFile(path, content, spec, ctx));
    } catch (err) {
      throw new GenerationError(`unable to process file '${path}': ${errorMessage(err)}`);
    }
  }
  return out;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function paramsFromFile(
  path: string,
  content: string,
  spec: GitGeneratorSpec,
  ctx: GenerationContext,
): ParamSet[] {
  let decoded: unknown;
  try {
    decoded = parseGoYaml(content);
  } catch (err) {
    throw new GenerationError(`unable to parse file: ${errorMessage(err)}`);
  }
  let objects: Record<string, unknown>[];
  if (decoded === null || decoded === undefined) objects = [{}];
  else if (Array.isArray(decoded) && decoded.every((o) => o === null || isPlainObject(o))) {
    objects =
      decoded.length === 0
        ? [{}]
        : decoded.map((o) => (o === null ? {} : (o as Record<string, unknown>)));
  } else if (isPlainObject(decoded)) objects = [decoded];
  else {
    throw new GenerationError(
      `unable to parse file: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(decoded) ? 'array' : typeof decoded} into Go value of type map[string]interface {}`,
    );
  }
  const goTemplate = ctx.renderer.mode.goTemplate;
  return objects.map((object) => {
    const params: ParamSet = {};
    if (goTemplate) Object.assign(params, object);
    else flatten('', object, params);
    Object.assign(params, pathParams(goDir(path), spec.pathParamPrefix, goTemplate, goBase(path)));
    appendTemplatedValues(
      spec.values,
      params,
      ctx.renderer,
      'failed to append templated values: failed to replace templated string',
    );
    return params;
  });
}

// github.com/jeremywohl/flatten in DotStyle, then fmt.Sprintf("%v") on each leaf.
function flatten(prefix: string, value: unknown, out: ParamSet): void {
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v) || isPlainObject(v)) flatten(key, v, out);
    else out[key] = goSprintV(v);
  }
}

/** Parameters describing a path (`path`, `path.basename`, segments...) in either mode. */
function pathParams(
  dir: string,
  prefix: string,
  goTemplate: boolean,
  filename: string | undefined,
): ParamSet {
  const base = goBase(dir);
  const params: ParamSet = {};
  if (goTemplate) {
    const p: ParamSet = { path: dir, basename: base };
    if (filename !== undefined) p.filename = filename;
    p.basenameNormalized = sanitizeName(base);
    if (filename !== undefined) p.filenameNormalized = sanitizeName(filename);
    p.segments = dir.split('/');
    if (prefix) params[prefix] = { path: p };
    else params.path = p;
    return params;
  }
  const name = prefix ? `${prefix}.path` : 'path';
  params[name] = dir;
  params[`${name}.basename`] = base;
  if (filename !== undefined) params[`${name}.filename`] = filename;
  params[`${name}.basenameNormalized`] = sanitizeName(base);
  if (filename !== undefined) params[`${name}.filenameNormalized`] = sanitizeName(filename);
  dir.split('/').forEach((segment, i) => {
    if (segment !== '') params[`${name}[${i}]`] = segment;
  });
  return params;
}

/** Go's `path.Dir`. */
export function goDir(p: string): string {
  const i = p.lastIndexOf('/');
  return goClean(i < 0 ? '' : p.slice(0, i + 1));
}

/** Go's `path.Base`. */
export function goBase(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

function goClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(seg);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}
