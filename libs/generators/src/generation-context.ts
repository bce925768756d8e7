import type { ApplicationSet } from './application-set.types';
import type { ParamSet } from './param-merge';
import type { GenerationInputs } from './sources';
import type { TemplateRenderer } from './template-renderer';

/** What every generator sees during one generation. */
export interface GenerationContext {
  readonly appSet: ApplicationSet;
  readonly renderer: TemplateRenderer;
  readonly inputs: GenerationInputs;
}

/** A generator's parameter sets, or the generator's error (thrown). */
export type ParamSets = Promise<ParamSet[]>;
