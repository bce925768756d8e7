import {
  parse,
  parseAllDocuments,
  type ParseOptions,
  type DocumentOptions,
  type SchemaOptions,
  type ScalarTag,
  type ToJSOptions,
} from 'yaml';

type YamlOptions = ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions;

/** The `yaml` package's YAML 1.1 float pattern (replaced below). */
const FLOAT_1_1 = '^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*$';

/**
 * Options that make the `yaml` package decode like `sigs.k8s.io/yaml` (go-yaml v2 behind a
 * YAML-to-JSON step), which is what kubectl and Argo CD use: YAML 1.1 scalars (`yes`/`on` are
 * booleans), timestamps left as strings, every number a float64 (a JS number), `<<` merge keys,
 * later duplicate keys winning.
 */
export const GO_YAML_OPTIONS: YamlOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  intAsBigInt: false,
  maxAliasCount: 100,
  customTags: (tags) =>
    tags
      .filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp')
      .map((t) =>
        // The 1.1 float of the yaml package takes a lone `.` (and `-.`) for a float, which
        // parses to NaN and so JSON null; go-yaml wants a digit (`path: .` is a string).
        typeof t !== 'string' &&
        t.tag === 'tag:yaml.org,2002:float' &&
        !t.format &&
        t.test?.source === FLOAT_1_1
          ? ({
              ...(t as ScalarTag),
              test: /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/,
            } satisfies ScalarTag)
          : t,
      ),
};

/** Parses one YAML (or JSON) document the way Argo CD's `sigs.k8s.io/yaml` does. */
export function parseGoYaml(text: string): unknown {
  const value: unknown = parse(text, GO_YAML_OPTIONS);
  return normalizeKeys(value);
}

/** Parses every document of a YAML stream (`---` separated), skipping empty ones. */
export function parseGoYamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text, GO_YAML_OPTIONS);
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) throw doc.errors[0];
    const value: unknown = doc.toJS(GO_YAML_OPTIONS);
    if (value !== null && value !== undefined) out.push(normalizeKeys(value));
  }
  return out;
}

// YAML-to-JSON turns every map key into a string (`true: x` gives key "true"); the yaml package
// already stringifies keys of plain objects, so only Map results (non-scalar keys) need work.
function normalizeKeys(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = normalizeKeys(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(normalizeKeys);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value))
      (value as Record<string, unknown>)[k] = normalizeKeys(v);
  }
  return value;
}
