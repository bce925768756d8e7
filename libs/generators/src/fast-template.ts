import { GenerationError } from './errors';

/** A parsed fasttemplate string: literal text and `{{tag}}` placeholders, alternating. */
export interface FastTemplate {
  readonly source: string;
  /** Literal at even indexes, raw tag text (between the braces) at odd indexes. */
  readonly parts: readonly string[];
  /** Tags with surrounding space trimmed, parallel to the odd parts. */
  readonly keys: readonly string[];
}

// Argo CD only hands a string to fasttemplate when `.*{{.*}}.*` matches; Go's `.` does not match
// a newline, so `{{` and `}}` must meet on one line.
const IS_TEMPLATED = /\{\{[^\n]*\}\}/;

/**
 * Compiles a string for Argo CD's default (`{{param}}`) mode. Returns null when Argo CD would
 * leave the string untouched. Throws Argo CD's "invalid template" error for a `{{` without a
 * closing `}}` in a string that is templated.
 */
export function compileFastTemplate(source: string): FastTemplate | null {
  if (!IS_TEMPLATED.test(source)) return null;
  const parts: string[] = [];
  const keys: string[] = [];
  let pos = 0;
  for (;;) {
    const start = source.indexOf('{{', pos);
    if (start < 0) {
      parts.push(source.slice(pos));
      break;
    }
    const end = source.indexOf('}}', start + 2);
    if (end < 0) {
      throw new GenerationError(
        `invalid template: Cannot find end tag="}}" in the template=${goQuote(source)} starting from ${goQuote(source.slice(start + 2))}`,
      );
    }
    parts.push(source.slice(pos, start));
    const tag = source.slice(start + 2, end);
    parts.push(tag);
    keys.push(tag.trim());
    pos = end + 2;
  }
  return { source, parts, keys };
}

/**
 * Executes a fasttemplate: a tag whose trimmed name is a string parameter is replaced; any other
 * tag (missing, empty, or not a string) is written back unchanged, as Argo CD does.
 */
export function executeFastTemplate(t: FastTemplate, params: Record<string, unknown>): string {
  const { parts, keys } = t;
  let out = parts[0] ?? '';
  for (let i = 1; i < parts.length; i += 2) {
    const key = keys[(i - 1) >> 1] ?? '';
    const value = key.length > 0 ? params[key] : undefined;
    out += typeof value === 'string' ? value : `{{${parts[i] ?? ''}}}`;
    out += parts[i + 1] ?? '';
  }
  return out;
}

/** Argo CD's fasttemplate `Replace` for one string, without caching. */
export function replaceFast(source: string, params: Record<string, unknown>): string {
  const t = compileFastTemplate(source);
  return t ? executeFastTemplate(t, params) : source;
}

/** Go's `%q` for the ASCII-safe common case (used only inside error messages). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
