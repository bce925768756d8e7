import { compileLabelSelector, DomainError, type LabelSelector } from '@flotilla/domain';
import type {
  GeneratorSpec,
  GitPathItem,
  JsonObject,
  ApplicationTemplate,
} from './application-set.types';
import { ManifestError } from './errors';
import { isPlainObject } from './param-merge';

const SUPPORTED = ['list', 'clusters', 'git', 'matrix', 'merge'] as const;
// Argo CD generators that need a live service (SCM APIs, the cluster, a plugin): recognised,
// refused with a clear message.
const UNSUPPORTED = ['scmProvider', 'clusterDecisionResource', 'pullRequest', 'plugin', 'oci'];

/** Reads an object field; absent gives undefined. */
export function objectField(obj: JsonObject, key: string, field: string): JsonObject | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new ManifestError(`${field}.${key}`, 'expected an object');
  return v;
}

/** Reads a string field; absent gives the default. */
export function stringField(obj: JsonObject, key: string, field: string, def = ''): string {
  const v = obj[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'string') throw new ManifestError(`${field}.${key}`, 'expected a string');
  return v;
}

/** Reads a boolean field; absent gives false. */
export function boolField(obj: JsonObject, key: string, field: string): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ManifestError(`${field}.${key}`, 'expected a boolean');
  return v;
}

/** Reads an array field; absent gives []. */
export function arrayField(obj: JsonObject, key: string, field: string): unknown[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ManifestError(`${field}.${key}`, 'expected an array');
  return v;
}

/** Reads a map of strings (`values`, `labels`, `matchLabels`). */
export function stringMapField(
  obj: JsonObject,
  key: string,
  field: string,
): Record<string, string> {
  const m = objectField(obj, key, field) ?? {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw new ManifestError(`${field}.${key}.${k}`, 'expected a string');
  }
  return m as Record<string, string>;
}

/** Rejects keys outside `allowed`, the way kubectl's strict field validation does. */
export function rejectUnknown(obj: JsonObject, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      throw new ManifestError('', `unknown field "${field ? `${field}.` : ''}${key}"`);
  }
}

/** Reads `template` (an ApplicationSet's or a generator's). */
export function readTemplate(
  obj: JsonObject | undefined,
  field: string,
): ApplicationTemplate | undefined {
  if (!obj) return undefined;
  rejectUnknown(obj, ['metadata', 'spec'], field);
  const metadata = objectField(obj, 'metadata', field) ?? {};
  rejectUnknown(
    metadata,
    ['name', 'namespace', 'labels', 'annotations', 'finalizers'],
    `${field}.metadata`,
  );
  stringField(metadata, 'name', `${field}.metadata`);
  stringField(metadata, 'namespace', `${field}.metadata`);
  stringMapField(metadata, 'labels', `${field}.metadata`);
  stringMapField(metadata, 'annotations', `${field}.metadata`);
  arrayField(metadata, 'finalizers', `${field}.metadata`).forEach((f, i) => {
    if (typeof f !== 'string')
      throw new ManifestError(`${field}.metadata.finalizers[${i}]`, 'expected a string');
  });
  const spec = objectField(obj, 'spec', field) ?? {};
  return { metadata, spec };
}

function readSelector(obj: JsonObject, key: string, field: string): LabelSelector | undefined {
  const sel = objectField(obj, key, field);
  if (!sel) return undefined;
  const at = `${field}.${key}`;
  rejectUnknown(sel, ['matchLabels', 'matchExpressions'], at);
  const matchLabels = stringMapField(sel, 'matchLabels', at);
  const matchExpressions = arrayField(sel, 'matchExpressions', at).map((e, i) => {
    const ef = `${at}.matchExpressions[${i}]`;
    if (!isPlainObject(e)) throw new ManifestError(ef, 'expected an object');
    rejectUnknown(e, ['key', 'operator', 'values'], ef);
    const values = arrayField(e, 'values', ef).map((v, j) => {
      if (typeof v !== 'string') throw new ManifestError(`${ef}.values[${j}]`, 'expected a string');
      return v;
    });
    return { key: stringField(e, 'key', ef), operator: stringField(e, 'operator', ef), values };
  });
  return { matchLabels, matchExpressions };
}

function readPathItems(obj: JsonObject, key: string, field: string): GitPathItem[] {
  return arrayField(obj, key, field).map((item, i) => {
    const at = `${field}.${key}[${i}]`;
    if (!isPlainObject(item)) throw new ManifestError(at, 'expected an object');
    rejectUnknown(item, ['path', 'exclude'], at);
    return { path: stringField(item, 'path', at), exclude: boolField(item, 'exclude', at) };
  });
}

function readChildren(obj: JsonObject, field: string): JsonObject[] {
  return arrayField(obj, 'generators', field).map((g, i) => {
    if (!isPlainObject(g))
      throw new ManifestError(`${field}.generators[${i}]`, 'expected an object');
    return g;
  });
}

/**
 * Validates one generator entry and reads it. `depth` is 0 for `spec.generators[i]`, 1 for a
 * matrix/merge child, 2 below that: Argo CD reads a second-level matrix/merge child as a
 * "terminal" generator, silently dropping a further `matrix` or `merge` in it.
 */
export function readGenerator(raw: unknown, field: string, depth: number): GeneratorSpec {
  if (!isPlainObject(raw)) throw new ManifestError(field, 'expected an object');
  const kinds = Object.keys(raw).filter((k) => k !== 'selector');
  for (const k of kinds) {
    if (UNSUPPORTED.includes(k))
      throw new ManifestError(`${field}.${k}`, `the ${k} generator is not supported by Flotilla`);
    if (!(SUPPORTED as readonly string[]).includes(k))
      throw new ManifestError(field, `unknown generator "${k}"`);
  }
  const selector = readSelector(raw, 'selector', field);
  if (selector) checkSelector(selector, `${field}.selector`, false);
  const present = kinds.filter(
    (k) =>
      raw[k] !== null && raw[k] !== undefined && !(depth >= 2 && (k === 'matrix' || k === 'merge')),
  );
  if (present.length === 0) {
    if (depth >= 2) return { field, raw, selector, kind: 'none' };
    throw new ManifestError(field, 'a generator needs one of: list, clusters, git, matrix, merge');
  }
  if (present.length > 1)
    throw new ManifestError(field, `more than one generator in one entry: ${present.join(', ')}`);
  const kind = present[0] as (typeof SUPPORTED)[number];
  const at = `${field}.${kind}`;
  const body = objectField(raw, kind, field) ?? {};
  const template = readTemplate(objectField(body, 'template', at), `${at}.template`);
  const base = { field, raw, selector, template };
  switch (kind) {
    case 'list': {
      rejectUnknown(body, ['elements', 'elementsYaml', 'template'], at);
      const elements = arrayField(body, 'elements', at);
      return {
        ...base,
        kind,
        list: { elements, elementsYaml: stringField(body, 'elementsYaml', at) || undefined },
      };
    }
    case 'clusters': {
      rejectUnknown(body, ['selector', 'values', 'template', 'flatList'], at);
      return {
        ...base,
        kind,
        clusters: {
          selector: checkedClusterSelector(body, at),
          values: stringMapField(body, 'values', at),
          flatList: boolField(body, 'flatList', at),
        },
      };
    }
    case 'git': {
      rejectUnknown(
        body,
        [
          'repoURL',
          'revision',
          'directories',
          'files',
          'values',
          'template',
          'pathParamPrefix',
          'requeueAfterSeconds',
        ],
        at,
      );
      const repoURL = stringField(body, 'repoURL', at);
      if (!repoURL) throw new ManifestError(`${at}.repoURL`, 'Required value');
      const requeue = body.requeueAfterSeconds;
      if (requeue !== undefined && requeue !== null && !Number.isInteger(requeue)) {
        throw new ManifestError(`${at}.requeueAfterSeconds`, 'expected an integer');
      }
      return {
        ...base,
        kind,
        git: {
          repoURL,
          revision: stringField(body, 'revision', at),
          directories: readPathItems(body, 'directories', at),
          files: readPathItems(body, 'files', at),
          values: stringMapField(body, 'values', at),
          pathParamPrefix: stringField(body, 'pathParamPrefix', at),
          requeueAfterSeconds: typeof requeue === 'number' ? requeue : undefined,
        },
      };
    }
    case 'matrix': {
      rejectUnknown(body, ['generators', 'template'], at);
      const generators = readChildren(body, at);
      generators.forEach((g, i) => readGenerator(g, `${at}.generators[${i}]`, depth + 1));
      return { ...base, kind, matrix: { generators } };
    }
    case 'merge': {
      rejectUnknown(body, ['generators', 'mergeKeys', 'template'], at);
      const generators = readChildren(body, at);
      generators.forEach((g, i) => readGenerator(g, `${at}.generators[${i}]`, depth + 1));
      const mergeKeys = arrayField(body, 'mergeKeys', at).map((k, i) => {
        if (typeof k !== 'string')
          throw new ManifestError(`${at}.mergeKeys[${i}]`, 'expected a string');
        return k;
      });
      return { ...base, kind, merge: { generators, mergeKeys } };
    }
  }
}

function checkedClusterSelector(body: JsonObject, at: string): LabelSelector {
  const selector = readSelector(body, 'selector', at) ?? {};
  checkSelector(selector, `${at}.selector`, true);
  return selector;
}

/**
 * Validates a selector with the domain's Kubernetes rules, reporting a refusal as a
 * `ManifestError` on the same field. `validateValues` is false for a generator's own `selector`:
 * Argo CD matches it against parameters such as server URLs, which are not label values.
 */
function checkSelector(selector: LabelSelector, field: string, validateValues: boolean): void {
  try {
    compileLabelSelector(selector, { field, validateValues });
  } catch (err) {
    if (!(err instanceof DomainError) || err.field === undefined) throw err;
    const prefix = `${err.field}: `;
    const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    throw new ManifestError(err.field, detail);
  }
}
