/**
 * The functions Argo CD adds to Sprig for ApplicationSet go templates
 * (applicationset/utils: SanitizeName, SlugifyName, toYAML, fromYAML, fromYAMLArray).
 */
import { parseAllDocuments } from 'yaml';
import { marshalK8sYaml } from './argo-yaml';
import { goTypeName } from './sprig/cast';
import { toLower } from './sprig/go-strings';
import { signed, type GoMap, type GoTemplateFunction, type GoValue } from './values';

const INVALID_DNS_CHARS = /[^-a-z0-9.]/gu;

/** Argo CD's SanitizeName (`normalize`): lower case, [-a-z0-9.] only, at most 253 bytes, trimmed of - and . */
export function sanitizeName(name: string): string {
  let out = toLower(name).replace(INVALID_DNS_CHARS, '-');
  if (out.length > 253) out = out.slice(0, 253);
  return out.replace(/^[-.]+|[-.]+$/g, '');
}

/** gosimple/slug.Make on an already sanitized name, with Argo CD's MaxLength and smart truncation. */
function slugMake(s: string, maxLength: number, smartTruncate: boolean): string {
  let slug = s.trim();
  if (!smartTruncate && slug.length >= maxLength) {
    if (maxLength < 0) throw new Error(`runtime error: slice bounds out of range [:${maxLength}]`);
    slug = slug.slice(0, maxLength);
  }
  slug = slug
    .replace(/[^a-zA-Z0-9\-_]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  if (maxLength > 0 && smartTruncate && slug.length > maxLength) {
    for (let i = maxLength; i >= 0; i--) if (slug[i] === '-') return slug.slice(0, i);
    return slug.slice(0, maxLength);
  }
  return slug;
}

/** Go's failed type assertion panic text. */
function assertionError(v: GoValue, want: string): Error {
  const got = v === null || v === undefined ? 'nil' : goTypeName(v);
  return new Error(`interface conversion: interface {} is ${got}, not ${want}`);
}

/**
 * Argo CD's SlugifyName(args ...interface{}): `slugify [maxSize int] [smartTruncate bool] name`,
 * defaults 50 and true. The last argument is the name; wrong types panic as in Go.
 */
function slugify(...args: GoValue[]): string {
  let maxSize = 50;
  let smart = true;
  let name = '';
  args.forEach((arg, idx) => {
    if (idx === args.length - 1) {
      if (typeof arg !== 'string') throw assertionError(arg, 'string');
      name = arg;
    } else if (idx === 0) {
      if (typeof arg !== 'bigint') throw assertionError(arg, 'int');
      maxSize = Number(arg);
    } else if (idx === 1) {
      if (typeof arg !== 'boolean') throw assertionError(arg, 'bool');
      smart = arg;
    }
    // Further arguments are only logged by Argo CD ("Bad 'slugify' arguments.").
  });
  return slugMake(sanitizeName(name), maxSize, smart);
}

/** Parses YAML the way sigs.k8s.io/yaml does (YAML 1.1 via go-yaml v2, then JSON: numbers are float64). */
function yamlToJsonValue(text: string): GoValue {
  const docs = parseAllDocuments(text, {
    version: '1.1',
    merge: true,
    uniqueKeys: false,
    intAsBigInt: false,
  });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return null;
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e?.linePos?.[0]?.line;
    throw new Error(
      `error converting YAML to JSON: yaml: ${line !== undefined ? `line ${line}: ` : ''}${e?.code === 'DUPLICATE_KEY' ? 'duplicate key' : (e?.message.split('\n')[0] ?? 'invalid YAML')}`,
    );
  }
  return toGoJson(doc.toJS({ maxAliasCount: 10000 }) as unknown);
}

/** Converts parsed YAML to what encoding/json decoding produces: float64 numbers, string keys. */
function toGoJson(v: unknown): GoValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(v)) return v.map(toGoJson);
  if (v instanceof Map) {
    const out: GoMap = {};
    for (const [k, x] of v) out[String(k)] = toGoJson(x);
    return out;
  }
  if (typeof v === 'object') {
    const out: GoMap = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toGoJson(x);
    return out;
  }
  return String(v);
}

function jsonKind(v: GoValue): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'object';
}

/** Argo CD's template additions, keyed by template name. */
export function argoFunctions(): Record<string, GoTemplateFunction> {
  return {
    normalize: signed((name) => sanitizeName(name as string), { params: ['string'] }),
    slugify,
    toYaml: signed((v) => marshalK8sYaml(v).replace(/\n$/, ''), { params: ['interface'] }),
    fromYaml: signed(
      (s) => {
        const v = yamlToJsonValue(s as string);
        if (v === null) return {};
        if (typeof v !== 'object' || Array.isArray(v)) {
          throw new Error(
            `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(v)} into Go value of type map[string]interface {}`,
          );
        }
        return v;
      },
      { params: ['string'] },
    ),
    fromYamlArray: signed(
      (s) => {
        const v = yamlToJsonValue(s as string);
        if (v === null) return [];
        if (!Array.isArray(v)) {
          throw new Error(
            `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(v)} into Go value of type []interface {}`,
          );
        }
        return v;
      },
      { params: ['string'] },
    ),
  };
}
