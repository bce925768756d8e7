import { wrapError } from '../errors';
import type { ParamSet } from '../param-merge';
import type { TemplateRenderer } from '../template-renderer';

/**
 * Argo CD's `appendTemplatedValues`: each `values` entry is rendered against the parameters
 * generated so far (never against other values), then added as `values.<key>` in the default
 * mode or as the `values` map in Go-template mode.
 */
export function appendTemplatedValues(
  values: Record<string, string>,
  params: ParamSet,
  renderer: TemplateRenderer,
  wrap: string,
): void {
  const keys = Object.keys(values);
  if (keys.length === 0) return;
  const rendered: Record<string, string> = {};
  for (const key of keys) {
    try {
      rendered[key] = renderer.replace(values[key] as string, params);
    } catch (err) {
      throw wrapError(wrap, err);
    }
  }
  if (renderer.mode.goTemplate) {
    params.values = rendered;
  } else {
    for (const key of keys) params[`values.${key}`] = rendered[key];
  }
}
