import type { ApplicationSet } from './application-set.types';
import type { ParamSet } from './param-merge';
import type { GenerationInputs } from './sources';
import type { TemplateRenderer } from './template-renderer';

/**
 * Runs a matrix or merge child (Argo CD's `getParams`). Passed in rather than imported so that
 * the combining generators and `transform` do not depend on each other.
 */
export type ChildParams = (
  raw: Record<string, unknown>,
  field: string,
  depth: number,
  ctx: GenerationContext,
  genParams: ParamSet | undefined,
) => Promise<ParamSet[]>;

/** What every generator sees during one generation. */
export interface GenerationContext {
  readonly appSet: ApplicationSet;
  readonly renderer: TemplateRenderer;
  readonly inputs: GenerationInputs;
  readonly childParams: ChildParams;
}

/** A generator's parameter sets, or the generator's error (thrown). */
export type ParamSets = Promise<ParamSet[]>;
