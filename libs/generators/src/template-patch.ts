import { GenerationError } from './errors';
import { isPlainObject, deepCopy } from './param-merge';
import { parseGoYaml } from './yaml-document';

// Fields of an Application whose lists carry `patchStrategy:"merge"` in the Go types; every other
// list is replaced by a strategic merge patch. Finalizers merge as a set of strings.
const MERGED_SCALAR_LISTS = new Set(['metadata.finalizers']);

/**
 * Applies a rendered `templatePatch` to an Application the way Argo CD's `applyTemplatePatch`
 * does: YAML (or JSON) converted to JSON, applied as a strategic merge patch, and `spec.project`
 * restored so that a patch cannot move an Application to another project.
 */
export function applyTemplatePatch(
  app: Record<string, unknown>,
  renderedPatch: string,
): Record<string, unknown> {
  let patch: unknown;
  try {
    patch = parseGoYaml(renderedPatch);
  } catch (err) {
    throw new GenerationError(
      `error while converting template to json ${JSON.stringify(renderedPatch)}: ${(err as Error).message}`,
    );
  }
  if (patch === null || patch === undefined) patch = {};
  if (!isPlainObject(patch)) {
    throw new GenerationError(
      `invalid templatePatch ${JSON.stringify(JSON.stringify(patch))}: json: cannot unmarshal ${goJsonKind(patch)} into Go value of type v1alpha1.Application`,
    );
  }
  const project = (app.spec as Record<string, unknown> | undefined)?.project;
  const out = strategicMerge(deepCopy(app), patch, '');
  const spec = out.spec;
  if (isPlainObject(spec)) spec.project = project ?? '';
  return out;
}

function strategicMerge(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  for (const key of Object.keys(patch)) {
    const at = path ? `${path}.${key}` : key;
    const p = patch[key];
    if (p === null) {
      delete target[key];
    } else if (isPlainObject(p)) {
      const t = target[key];
      target[key] = strategicMerge(isPlainObject(t) ? t : {}, p, at);
    } else if (Array.isArray(p) && MERGED_SCALAR_LISTS.has(at) && Array.isArray(target[key])) {
      const merged = [...(target[key] as unknown[])];
      for (const item of p) if (!merged.includes(item)) merged.push(item);
      target[key] = merged;
    } else {
      target[key] = deepCopy(p);
    }
  }
  return target;
}

function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'value';
}
