import type { MergeGeneratorSpec } from '../application-set.types';
import { GenerationError, ManifestError, wrapError } from '../errors';
import type { GenerationContext } from '../generation-context';
import { isPlainObject, mergoMergeOverride, type ParamSet } from '../param-merge';

const NON_UNIQUE =
  'the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique';

/**
 * The merge generator: the first child's parameter sets, each overridden by the sets of later
 * children that agree on every `mergeKeys` value. Output follows the first child's order (Argo CD
 * walks a Go map here, so its order is unspecified).
 */
export async function generateMerge(
  spec: MergeGeneratorSpec,
  field: string,
  depth: number,
  ctx: GenerationContext,
): Promise<ParamSet[]> {
  if (spec.generators.length < 2)
    throw new GenerationError('found less than two generators, Merge requires two or more');
  const all: ParamSet[][] = [];
  for (const [i, child] of spec.generators.entries()) {
    try {
      all.push(
        await ctx.childParams(child, `${field}.merge.generators[${i}]`, depth + 1, ctx, undefined),
      );
    } catch (err) {
      if (err instanceof ManifestError) throw err;
      throw wrapError(
        `error getting param sets from generators: error getting params from generator ${i + 1} of ${spec.generators.length}`,
        err,
      );
    }
  }
  const base = byMergeKey(spec.mergeKeys, all[0] ?? []);
  for (const sets of all.slice(1)) {
    const overrides = byMergeKey(spec.mergeKeys, sets);
    for (const [key, baseSet] of base) {
      const override = overrides.get(key);
      if (!override) continue;
      if (ctx.appSet.goTemplate) mergoMergeOverride(baseSet, override);
      else Object.assign(baseSet, override);
    }
  }
  return [...base.values()];
}

function byMergeKey(mergeKeys: string[], sets: ParamSet[]): Map<string, ParamSet> {
  if (mergeKeys.length < 1) {
    throw new GenerationError(
      'error getting param sets by merge key: no merge keys were specified, Merge requires at least one',
    );
  }
  const keys = [...new Set(mergeKeys)];
  const out = new Map<string, ParamSet>();
  for (const set of sets) {
    const keyObject: Record<string, unknown> = {};
    for (const k of keys) keyObject[k] = set[k] ?? null;
    const key = goJsonMarshal(keyObject);
    if (out.has(key))
      throw new GenerationError(
        `error getting param sets by merge key: ${NON_UNIQUE}. Duplicate key was ${key}`,
      );
    out.set(key, set);
  }
  return out;
}

/** Go's `json.Marshal` for decoded JSON values: sorted map keys, HTML-safe escaping. */
export function goJsonMarshal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string')
    return JSON.stringify(v).replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (typeof v === 'number')
    return Math.abs(v) >= 1e21 || (v !== 0 && Math.abs(v) < 1e-6) ? goExp(v) : JSON.stringify(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goJsonMarshal).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${goJsonMarshal(k)}:${goJsonMarshal(v[k])}`)
      .join(',')}}`;
  }
  return 'null';
}

function goExp(v: number): string {
  const [m, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : Math.abs(exp)}`;
}
