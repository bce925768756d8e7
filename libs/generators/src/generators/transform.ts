import { compileLabelSelector, matches } from '@flotilla/domain';
import type { ApplicationTemplate, GeneratorSpec, JsonObject } from '../application-set.types';
import { GenerationError, ManifestError, errorMessage, wrapError } from '../errors';
import type { GenerationContext } from '../generation-context';
import { readGenerator } from '../generator-spec.reader';
import type { ParamSet } from '../param-merge';
import { generateClusters } from './cluster.generator';
import { generateGit } from './git.generator';
import { generateList } from './list.generator';
import { generateMatrix } from './matrix.generator';
import { generateMerge } from './merge.generator';

/** A generator's parameter sets with the template it renders them into. */
export interface TransformResult {
  params: ParamSet[];
  /** The generator's own `template` (merged over the ApplicationSet's by the caller). */
  template?: ApplicationTemplate;
}

/**
 * Argo CD's `Transform` for one generator entry: interpolates the entry with `genParams` (a
 * matrix's second child receives the first child's parameters), generates its parameter sets and
 * keeps those the entry's `selector` matches. Returns null for an entry with no generator left
 * (Argo CD then yields nothing for it).
 */
export async function transform(
  raw: JsonObject,
  field: string,
  depth: number,
  ctx: GenerationContext,
  genParams: ParamSet | undefined,
): Promise<TransformResult | null> {
  let spec = readGenerator(raw, field, depth);
  // Validated by readGenerator; Argo CD compiles the selector before interpolating the entry.
  const selector = compileLabelSelector(spec.selector ?? {}, {
    field: `${field}.selector`,
    validateValues: false,
  });
  if (spec.kind === 'none') return null;
  if (genParams && Object.keys(genParams).length > 0) {
    let interpolated: unknown;
    try {
      interpolated = ctx.renderer.compileValue(raw)(genParams);
    } catch (err) {
      throw wrapError('failed to replace parameters in generator', err);
    }
    try {
      spec = readGenerator(interpolated, field, depth);
    } catch (err) {
      if (err instanceof ManifestError)
        throw new GenerationError(`failed to replace parameters in generator: ${err.message}`);
      throw err;
    }
  }
  const params = await generate(spec, depth, ctx);
  const filtered = spec.selector
    ? params.filter((p) => matches(selector, stringValues(p)))
    : params;
  return { params: filtered, template: spec.template };
}

async function generate(
  spec: GeneratorSpec,
  depth: number,
  ctx: GenerationContext,
): Promise<ParamSet[]> {
  switch (spec.kind) {
    case 'list':
      return generateList(spec.list, ctx);
    case 'clusters':
      return generateClusters(spec.clusters, spec.field, ctx);
    case 'git':
      return generateGit(spec.git, ctx);
    case 'matrix':
      return generateMatrix(spec.matrix, spec.field, depth, ctx);
    case 'merge':
      return generateMerge(spec.merge, spec.field, depth, ctx);
    case 'none':
      return [];
  }
}

// Argo CD matches a generator's selector against the string-valued parameters only.
function stringValues(p: ParamSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * A matrix or merge child's parameters (`getParams` in Argo CD): the child must yield exactly one
 * generator result.
 */
export async function childParams(
  raw: JsonObject,
  field: string,
  depth: number,
  ctx: GenerationContext,
  genParams: ParamSet | undefined,
): Promise<ParamSet[]> {
  let result: TransformResult | null;
  try {
    result = await transform(raw, field, depth, ctx, genParams);
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    throw new GenerationError(
      `child generator returned an error on parameter generation: ${errorMessage(err)}`,
    );
  }
  if (!result) throw new GenerationError('child generator generated no parameters');
  return result.params;
}
