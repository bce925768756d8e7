import { asRecord, type ObjectJson } from '../ownership';

/** Longest diff kept per resource; the rest is cut with a note. */
export const MAX_DIFF_BYTES = 8 * 1024;

// What the server sets or other writers add: never ours to compare.
const SKIPPED_TOP = new Set(['status', 'apiVersion', 'kind']);
const SKIPPED_METADATA = new Set([
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

const show = (value: unknown): string => (value === undefined ? '<absent>' : JSON.stringify(value));

// Key order carries no meaning in JSON objects; list order does.
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => same(x, b[i]))
    );
  }
  const x = asRecord(a);
  const y = asRecord(b);
  if (!x || !y) return a === b;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => k in y && same(x[k], y[k]));
}

/**
 * The fields of `applied` whose live value differs, as `path: - applied` / `+ live` lines. Only
 * what the manifest sets is compared (what we manage); maps are walked key by key, so a label
 * someone else added is not drift; lists are compared as a whole, as the merge of SSA list types
 * is not known here.
 */
export function managedDrift(applied: unknown, live: unknown, path = ''): string[] {
  const want = asRecord(applied);
  const have = asRecord(live);
  if (!want || !have) {
    return same(applied, live) ? [] : [`${path || '.'}: - ${show(applied)}\n+ ${show(live)}`];
  }
  const lines: string[] = [];
  for (const [field, value] of Object.entries(want)) {
    if (path === '' && SKIPPED_TOP.has(field)) continue;
    if (path === 'metadata' && SKIPPED_METADATA.has(field)) continue;
    lines.push(...managedDrift(value, have[field], path ? `${path}.${field}` : field));
  }
  return lines;
}

/** The readable diff of one resource, cut at {@link MAX_DIFF_BYTES}; `''` when none. */
export function driftText(applied: ObjectJson, live: ObjectJson): string {
  const text = managedDrift(applied, live).join('\n');
  if (Buffer.byteLength(text) <= MAX_DIFF_BYTES) return text;
  return `${Buffer.from(text)
    .subarray(0, MAX_DIFF_BYTES - 32)
    .toString('utf8')}\n… (diff truncated)`;
}
