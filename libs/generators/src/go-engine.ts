import type * as GoTemplateModule from './gotemplate';
import type { GoTemplateFunction } from './gotemplate/values';

type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

/** A compiled Go template bound to Argo CD's function map. */
export interface CompiledGoTemplate {
  execute(data: Record<string, unknown>): string;
}

let engine: typeof GoTemplateModule | undefined;
let funcs: Record<string, GoTemplateFunction> | undefined;

// The engine and the Sprig/Argo CD function table are loaded and built on first use, so that an
// ApplicationSet in the default template mode (and the CLI rendering one) does not build the
// table; the table is built once per process and shared by every template.
function load(): { engine: typeof GoTemplateModule; funcs: Record<string, GoTemplateFunction> } {
  if (!engine || !funcs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    engine = require('./gotemplate') as typeof GoTemplateModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sprig = require('./gotemplate/sprig') as {
      sprigFunctions(): Record<string, GoTemplateFunction>;
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const argo = require('./gotemplate/argo-functions') as {
      argoFunctions(): Record<string, GoTemplateFunction>;
    };
    // Argo CD removes the functions that read the controller's environment, then adds its own.
    const table: Record<string, GoTemplateFunction> = { ...sprig.sprigFunctions() };
    delete table.env;
    delete table.expandenv;
    delete table.getHostByName;
    funcs = { ...table, ...argo.argoFunctions() };
  }
  return { engine, funcs };
}

/** Reads `goTemplateOptions` (`missingkey=...`) as Go's `template.Option` does. */
export function missingKeyOption(options: readonly string[]): MissingKey {
  let missingKey: MissingKey = 'default';
  for (const option of options) {
    const m = /^missingkey=(default|invalid|zero|error)$/.exec(option);
    if (!m) {
      throw new Error(
        option.startsWith('missingkey=')
          ? `unrecognized option: ${option}`
          : `unrecognized option: ${option}`,
      );
    }
    missingKey = m[1] as MissingKey;
  }
  return missingKey;
}

/** Parses a template string (Go `template.New("").Funcs(sprig).Parse(text)`); throws on error. */
export function compileGo(text: string, missingKey: MissingKey): CompiledGoTemplate {
  const { engine: e, funcs: f } = load();
  const t = e.compileGoTemplate(text, { name: '', missingKey, funcs: f });
  return { execute: (data) => t.execute(data as never) };
}
