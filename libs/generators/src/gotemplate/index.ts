/**
 * Go's `text/template` in TypeScript, as Argo CD runs ApplicationSet templates with
 * `goTemplate: true`: compile once, execute many times, same output and same error text.
 */
import { BUILTINS } from './builtins';
import { GoTemplateError } from './errors';
import { ExecState, type MissingKey, type Program } from './exec';
import { lex } from './lexer';
import { parseTemplates } from './parser';
import type { GoTemplateFunction, GoValue } from './values';

export { GoTemplateError } from './errors';
export { goFormatValue, goSprint, goSprintf, goSprintln, goTypeName } from './fmt';
export * from './values';

/** Options for {@link compileGoTemplate}. */
export interface GoTemplateOptions {
  /** Template name used in error messages (Go's `template.New(name)`); Argo CD uses "". */
  name?: string;
  /** Go's `Option("missingkey=...")`; default prints `<no value>` for a missing map key. */
  missingKey?: MissingKey;
  /** Functions available to the template (Go's `Funcs`), e.g. Sprig's; they shadow builtins. */
  funcs?: Record<string, GoTemplateFunction>;
}

/** A parsed template set, safe to execute many times (and concurrently: state is per call). */
export interface GoTemplate {
  /** The template's name. */
  readonly name: string;
  /** Renders the template with `data` as dot; throws {@link GoTemplateError} as Go would fail. */
  execute(data: GoValue): string;
  /** Renders the named template ({{define}} / {{block}}) of this set, as Go's ExecuteTemplate. */
  executeTemplate(name: string, data: GoValue): string;
}

/**
 * Parses Go template text. Parse errors (including calls to undefined functions) throw a
 * {@link GoTemplateError} with Go's message, e.g. `template: name:1: function "foo" not defined`.
 */
export function compileGoTemplate(text: string, options: GoTemplateOptions = {}): GoTemplate {
  const name = options.name ?? '';
  const funcs = options.funcs ?? {};
  const hasFunction = (fn: string): boolean =>
    Object.hasOwn(funcs, fn) || Object.hasOwn(BUILTINS, fn);
  // {{break}}/{{continue}} are keywords unless a function of that name is defined (as in Go).
  const items = lex(text, !Object.hasOwn(funcs, 'break'), !Object.hasOwn(funcs, 'continue'));
  const templates = parseTemplates(name, items, hasFunction);
  const prog: Program = {
    text,
    parseName: name,
    templates,
    funcs: Object.assign(Object.create(null) as Record<string, GoTemplateFunction>, funcs),
    missingKey: options.missingKey ?? 'default',
  };
  const run = (tmpl: string, data: GoValue): string => {
    const root = templates.get(tmpl);
    if (root === undefined) {
      throw new GoTemplateError(
        `template: no template ${JSON.stringify(tmpl)} associated with template ${JSON.stringify(name)}`,
      );
    }
    return new ExecState(prog, tmpl).run(root, data);
  };
  return {
    name,
    execute: (data) => run(name, data),
    executeTemplate: run,
  };
}
