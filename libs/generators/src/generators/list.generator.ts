import type { ListGeneratorSpec } from '../application-set.types';
import { GenerationError } from '../errors';
import type { GenerationContext } from '../generation-context';
import { deepCopy, isPlainObject, type ParamSet } from '../param-merge';
import { parseGoYaml } from '../yaml-document';

/**
 * The list generator: one parameter set per element. In the default template mode every value
 * must be a string (`values` a map of strings, flattened to `values.<key>`); in Go-template mode
 * the element is passed through. `elementsYaml` elements are appended as decoded, in both modes.
 */
export async function generateList(
  spec: ListGeneratorSpec,
  ctx: GenerationContext,
): Promise<ParamSet[]> {
  const res: ParamSet[] = spec.elements.map((element) => {
    if (!isPlainObject(element)) {
      throw new GenerationError(
        `error unmarshling list element json: cannot unmarshal ${goJsonKind(element)} into Go value of type map[string]interface {}`,
      );
    }
    if (ctx.appSet.goTemplate) return deepCopy(element);
    const params: ParamSet = {};
    for (const [key, value] of Object.entries(element)) {
      if (key === 'values') {
        if (!isPlainObject(value)) throw new GenerationError('error parsing values map');
        for (const [k, v] of Object.entries(value)) {
          if (typeof v !== 'string')
            throw new GenerationError('error parsing value as string %!w(<nil>)');
          params[`values.${k}`] = v;
        }
      } else {
        if (typeof value !== 'string')
          throw new GenerationError('error parsing value as string %!w(<nil>)');
        params[key] = value;
      }
    }
    return params;
  });
  if (spec.elementsYaml) res.push(...decodeElementsYaml(spec.elementsYaml));
  return res;
}

function decodeElementsYaml(text: string): ParamSet[] {
  let decoded: unknown;
  try {
    decoded = parseGoYaml(text);
  } catch (err) {
    throw new GenerationError(`error unmarshling decoded ElementsYaml ${(err as Error).message}`);
  }
  if (decoded === null || decoded === undefined) return [];
  if (!Array.isArray(decoded)) {
    throw new GenerationError(
      `error unmarshling decoded ElementsYaml error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goJsonKind(decoded)} into Go value of type []map[string]interface {}`,
    );
  }
  return decoded.map((e) => {
    if (e === null) return {};
    if (!isPlainObject(e)) {
      throw new GenerationError(
        `error unmarshling decoded ElementsYaml error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goJsonKind(e)} into Go value of type map[string]interface {}`,
      );
    }
    return e;
  });
}

/** The JSON kind name Go's decoder uses in "cannot unmarshal X" messages. */
export function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') return 'object';
  return typeof v;
}
