import type { MatrixGeneratorSpec } from '../application-set.types';
import { GenerationError, ManifestError, wrapError } from '../errors';
import type { GenerationContext } from '../generation-context';
import { combineStringMaps, deepCopy, mergoMergeOverride, type ParamSet } from '../param-merge';

/**
 * The matrix generator: exactly two children; the second runs once per parameter set of the
 * first, interpolated with it, and each pair is combined (`mergo` in Go-template mode, where the
 * first child's values win; a conflict-checking union in the default mode).
 */
export async function generateMatrix(
  spec: MatrixGeneratorSpec,
  field: string,
  depth: number,
  ctx: GenerationContext,
): Promise<ParamSet[]> {
  if (spec.generators.length < 2)
    throw new GenerationError('found less than two generators, Matrix support only two');
  if (spec.generators.length > 2)
    throw new GenerationError('found more than two generators, Matrix support only two');
  const [first, second] = spec.generators as [Record<string, unknown>, Record<string, unknown>];
  const at = (i: number): string => `${field}.matrix.generators[${i}]`;
  let g0: ParamSet[];
  try {
    g0 = await ctx.childParams(first, at(0), depth + 1, ctx, undefined);
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    throw wrapError('error failed to get params for first generator in matrix generator', err);
  }
  // As in Argo CD: a second child without placeholders cannot depend on the first's parameters,
  // so it runs once and each combination gets a copy.
  const reusable = !JSON.stringify(second).includes('{{');
  let reused: ParamSet[] | undefined;
  const secondFor = async (a: ParamSet): Promise<ParamSet[]> => {
    try {
      if (reusable) {
        reused ??= await ctx.childParams(second, at(1), depth + 1, ctx, a);
        return deepCopy(reused);
      }
      return await ctx.childParams(second, at(1), depth + 1, ctx, a);
    } catch (err) {
      if (err instanceof ManifestError) throw err;
      throw wrapError('failed to get params for second generator in the matrix generator', err);
    }
  };
  const res: ParamSet[] = [];
  for (const a of g0) {
    for (const b of await secondFor(a)) {
      if (ctx.appSet.goTemplate) {
        const tmp: ParamSet = {};
        mergoMergeOverride(tmp, b);
        mergoMergeOverride(tmp, deepCopy(a));
        res.push(tmp);
      } else {
        try {
          res.push(combineStringMaps(a, b));
        } catch (err) {
          throw wrapError(
            'failed to combine string maps with merging params for the matrix generator',
            err,
          );
        }
      }
    }
  }
  return res;
}
