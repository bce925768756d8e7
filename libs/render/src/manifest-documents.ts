import {
  parseAllDocuments,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type ToJSOptions,
} from 'yaml';
import { RenderError } from './render-error';

/** One Kubernetes object as decoded from a manifest: a JSON object with a `kind`. */
export type ManifestObject = Record<string, unknown>;

type YamlOptions = ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions;

/**
 * Decode like `sigs.k8s.io/yaml` (go-yaml v2 then JSON), as kubectl and Argo CD do: YAML 1.1
 * scalars (`yes`/`on` are booleans), timestamps left as strings, `<<` merge keys, later duplicate
 * keys winning. The same options as the generators' `parseGoYaml`, with our alias limit.
 */
const yamlOptions = (maxAliasCount: number): YamlOptions => ({
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  intAsBigInt: false,
  maxAliasCount,
  customTags: (tags) =>
    tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
});

// Argo CD's `+argocd:skip-file-rendering`: a file holding it is not a manifest.
const SKIP_MARKER = '+argocd:skip-file-rendering';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What Argo CD's `unstructured` decoding refuses in one document, or undefined. */
function objectProblem(value: unknown): string | undefined {
  if (!isObject(value)) {
    return `a document is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not an object`;
  }
  if (typeof value.kind !== 'string' || value.kind === '') return "Object 'Kind' is missing";
  return undefined;
}

type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };
/** An empty document, an object, or why the document is not a Kubernetes object. */
type Classified = { empty: true } | { object: ManifestObject } | { problem: string };

function classify(doc: Decoded): Classified {
  if (!doc.ok) return { problem: doc.reason };
  if (doc.value === null || doc.value === undefined) return { empty: true };
  const problem = objectProblem(doc.value);
  return problem === undefined ? { object: doc.value as ManifestObject } : { problem };
}

/** Every document of a YAML stream, in order, up to and including the first that fails. */
function* yamlDocuments(file: string, text: string, maxAliasCount: number): Generator<Decoded> {
  const options = yamlOptions(maxAliasCount);
  for (const doc of parseAllDocuments(text, options)) {
    const syntax = doc.errors[0];
    if (syntax) {
      yield { ok: false, reason: syntax.message };
      return;
    }
    try {
      yield { ok: true, value: doc.toJS(options) };
    } catch (error) {
      if (error instanceof ReferenceError && /alias/i.test(error.message)) {
        throw new RenderError(
          'AliasLimitExceeded',
          `${file}: YAML anchors and aliases expand beyond the limit (maxAliasCount ${maxAliasCount}): refused as a resource exhaustion ("billion laughs") attack`,
          file,
        );
      }
      yield { ok: false, reason: (error as Error).message };
      return;
    }
  }
}

/**
 * The objects of one `.yaml`/`.yml` file of a directory source, with Argo CD's rules
 * (`getObjsFromYAMLOrJSON`): empty documents are skipped; when a document does not decode as a
 * Kubernetes object (a syntax error, a scalar, a list, no `kind`), the file is an error if an
 * earlier document did decode or if the file looks like a manifest (it contains `apiVersion:`,
 * `kind:` and `metadata:`), and is otherwise ignored as an unrelated YAML file (values files,
 * CI configuration). Alias expansion beyond the limit is always an error.
 */
export function parseYamlManifests(
  file: string,
  text: string,
  maxAliasCount: number,
): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const doc of yamlDocuments(file, text, maxAliasCount)) {
    const found = classify(doc);
    if ('empty' in found) continue;
    if ('object' in found) {
      objects.push(found.object);
      continue;
    }
    const looksLikeManifest =
      text.includes('apiVersion:') && text.includes('kind:') && text.includes('metadata:');
    if (objects.length > 0 || looksLikeManifest) {
      throw new RenderError(
        'InvalidManifest',
        `Failed to unmarshal "${file}": ${found.problem}`,
        file,
      );
    }
    return [];
  }
  return objects;
}

/**
 * The object of one `.json` file of a directory source (Argo CD: a single object per JSON file;
 * an array, a scalar, several values or an object without `kind` is an error, not skipped).
 */
export function parseJsonManifest(file: string, text: string): ManifestObject[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RenderError(
      'InvalidManifest',
      `Failed to unmarshal "${file}": ${(error as Error).message}`,
      file,
    );
  }
  const problem = objectProblem(value);
  if (problem !== undefined) {
    throw new RenderError('InvalidManifest', `Failed to unmarshal "${file}": ${problem}`, file);
  }
  return [value as ManifestObject];
}

/** True when a file carries Argo CD's skip marker and is therefore not rendered. */
export const skipsRendering = (text: string): boolean => text.includes(SKIP_MARKER);

/**
 * The objects of a tool's output (`helm template`, `kustomize build`): every document must be a
 * Kubernetes object (Argo CD's `kube.SplitYAML`), empty documents aside.
 */
export function parseToolOutput(
  tool: string,
  text: string,
  maxAliasCount: number,
): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const doc of yamlDocuments(`${tool} output`, text, maxAliasCount)) {
    const found = classify(doc);
    if ('problem' in found) {
      throw new RenderError('InvalidManifest', `${tool} output does not decode: ${found.problem}`);
    }
    if ('object' in found) objects.push(found.object);
  }
  return objects;
}

/**
 * Argo CD's `GenerateManifests` step after decoding: an object whose `items` is a list (a `List`,
 * `ConfigMapList`, ...) stands for its items, each of which must be an object; one whose `items`
 * is null (and has no `spec` or `status`) stands for nothing; anything else for itself.
 */
export function expandLists(objects: readonly ManifestObject[], file?: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const object of objects) {
    const items = object.items;
    if (Array.isArray(items)) {
      for (const item of items) {
        if (!isObject(item)) {
          throw new RenderError(
            'InvalidManifest',
            `${file ?? 'manifest'}: ${String(object.kind)} items member is not an object`,
            file,
          );
        }
        out.push(item);
      }
    } else if (items === null && !('spec' in object) && !('status' in object)) {
      continue;
    } else {
      out.push(object);
    }
  }
  return out;
}
