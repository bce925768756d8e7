import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import YAML from 'yaml';

// What can be checked of a Helm chart without the helm binary: its values against its schema,
// and its templates read as text (actions, blocks, includes, .Values paths, env names).

export const repoRoot = join(__dirname, '..', '..');
export const chartDir = (chart: string): string => join(repoRoot, 'helm', chart);

export type Values = Record<string, unknown>;

export const isMap = (v: unknown): v is Values =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function readYaml(path: string): Values {
  const parsed: unknown = YAML.parse(readFileSync(path, 'utf8'));
  if (!isMap(parsed)) throw new Error(`${path}: not a YAML map`);
  return parsed;
}

/** Helm's coalescing of a user's values over the chart's: maps merge, the rest replaces, null deletes. */
export function mergeValues(base: Values, override: Values): Values {
  const merged: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const prior = base[key];
    if (value === null) delete merged[key];
    else merged[key] = isMap(value) && isMap(prior) ? mergeValues(prior, value) : value;
  }
  return merged;
}

/**
 * The chart's values.schema.json compiled as draft-07. Helm's validator knows the `uri` and
 * `hostname` formats; ajv-formats is not a dependency of ours, so the two are defined here.
 */
export function compileValuesSchema(chart: string): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addFormat('uri', (text: string) => {
    try {
      return new URL(text).protocol.length > 1;
    } catch {
      return false;
    }
  });
  ajv.addFormat(
    'hostname',
    /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  );
  const schema: unknown = JSON.parse(
    readFileSync(join(chartDir(chart), 'values.schema.json'), 'utf8'),
  );
  return ajv.compile(schema as object);
}

/** One line per problem, naming the field as helm does (`/hub/replicas: must be integer`). */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const extra =
        e.keyword === 'additionalProperties'
          ? ` '${String((e.params as { additionalProperty: string }).additionalProperty)}'`
          : e.keyword === 'enum'
            ? ` ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
            : '';
      return `${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`;
    })
    .join('\n');
}

export interface TemplateFile {
  /** Relative to the chart: `templates/hub-deployment.yaml`. */
  name: string;
  text: string;
}

export function templateFiles(chart: string): TemplateFile[] {
  const dir = join(chartDir(chart), 'templates');
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|tpl|txt)$/.test(f))
    .sort()
    .map((f) => ({ name: `templates/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
}

export interface Action {
  /** The action without its delimiters and trim markers. */
  body: string;
  start: number;
  end: number;
  line: number;
}

/** The `{{ }}` actions of a template; throws on a `{{` left open or a `}}` never opened. */
export function actionsOf(text: string, file: string): Action[] {
  const actions: Action[] = [];
  let at = 0;
  const lineAt = (i: number) => text.slice(0, i).split('\n').length;
  for (;;) {
    const open = text.indexOf('{{', at);
    const strayClose = text.indexOf('}}', at);
    if (strayClose >= 0 && (open < 0 || strayClose < open))
      throw new Error(`${file}:${lineAt(strayClose)}: '}}' without '{{'`);
    if (open < 0) return actions;
    const close = text.indexOf('}}', open + 2);
    const nextOpen = text.indexOf('{{', open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close))
      throw new Error(`${file}:${lineAt(open)}: '{{' is not closed before the next '{{'`);
    const body = text
      .slice(open + 2, close)
      .replace(/^-\s/, '')
      .replace(/\s-$/, '')
      .trim();
    actions.push({ body, start: open, end: close + 2, line: lineAt(open) });
    at = close + 2;
  }
}

const BLOCK_OPENERS = new Set(['if', 'with', 'range', 'define', 'block']);

export interface Block {
  keyword: string;
  /** The action that opened it (`define "x"`, `if .Values.y`). */
  head: string;
  /** The text between the opening action and its `end`. */
  inner: string;
}

/** The blocks of a template, checked to nest: every if/with/range/define/block has its end. */
export function blocksOf(text: string, file: string): Block[] {
  const stack: { keyword: string; head: string; innerStart: number; line: number }[] = [];
  const blocks: Block[] = [];
  for (const action of actionsOf(text, file)) {
    if (action.body.startsWith('/*')) {
      if (!action.body.endsWith('*/'))
        throw new Error(`${file}:${action.line}: a comment must end with */ inside its action`);
      continue;
    }
    const keyword = /^[a-z]+/.exec(action.body)?.[0] ?? '';
    if (BLOCK_OPENERS.has(keyword)) {
      stack.push({ keyword, head: action.body, innerStart: action.end, line: action.line });
    } else if (keyword === 'else') {
      const top = stack[stack.length - 1];
      if (!top || !['if', 'with', 'range'].includes(top.keyword))
        throw new Error(`${file}:${action.line}: 'else' outside if/with/range`);
    } else if (keyword === 'end') {
      const top = stack.pop();
      if (!top) throw new Error(`${file}:${action.line}: 'end' without an open block`);
      blocks.push({
        keyword: top.keyword,
        head: top.head,
        inner: text.slice(top.innerStart, action.start),
      });
    }
  }
  const open = stack[stack.length - 1];
  if (open) throw new Error(`${file}:${open.line}: '${open.head}' has no 'end'`);
  return blocks;
}

/** `define "name"` bodies of a file. */
export function definesOf(text: string, file: string): Map<string, string> {
  const defines = new Map<string, string>();
  for (const block of blocksOf(text, file)) {
    const name = /^define\s+"([^"]+)"/.exec(block.head)?.[1];
    if (block.keyword === 'define' && name) defines.set(name, block.inner);
  }
  return defines;
}

/**
 * Every `.Values.a.b` path a template reads: direct references (also `$.Values` and a helper's
 * `.root.Values`), and `$v.x` where `$v := index $.Values $name` inside
 * `range $name := list "hub" "worker"` (one path per listed name).
 */
export function valuesPathsOf(text: string): string[] {
  const paths = [...text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) =>
    (m[1] ?? '').slice(1),
  );
  for (const range of text.matchAll(/range \$(\w+) := list((?:\s+"[^"]+")+)/g)) {
    const names = [...(range[2] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
    const alias = new RegExp(`\\$(\\w+) := index \\$\\.Values \\$${range[1]}\\b`).exec(text)?.[1];
    if (!alias) continue;
    for (const use of text.matchAll(new RegExp(`\\$${alias}((?:\\.[A-Za-z_]\\w*)+)`, 'g')))
      for (const name of names) paths.push(`${name}${use[1] ?? ''}`);
  }
  return paths;
}

/** Whether `a.b.c` exists in the values (the last key may hold any value, null and '' too). */
export function hasPath(values: Values, path: string): boolean {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (!isMap(node) || !Object.prototype.hasOwnProperty.call(node, key)) return false;
    node = node[key];
  }
  return true;
}

export interface EnvEntry {
  name: string;
  /** The entry's text up to the next entry of the same list. */
  text: string;
}

/** Environment variables set in a manifest or helper text: `- name: UPPER_CASE` list entries. */
export function envEntriesOf(text: string): EnvEntry[] {
  const lines = text.split('\n');
  const entries: EnvEntry[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)- name: ([A-Z][A-Z0-9_]*)\s*$/.exec(line);
    if (!m) return;
    const indent = (m[1] ?? '').length;
    const rest: string[] = [];
    for (const next of lines.slice(i + 1)) {
      const nextIndent = /^\s*/.exec(next)?.[0].length ?? 0;
      if (next.trim() !== '' && nextIndent <= indent) break;
      rest.push(next);
    }
    entries.push({ name: m[2] ?? '', text: [line, ...rest].join('\n') });
  });
  return entries;
}
