import { GenerationError, errorMessage } from './errors';
import { compileFastTemplate, executeFastTemplate } from './fast-template';
import { compileGo, missingKeyOption } from './go-engine';
import type { ParamSet } from './param-merge';

/** How an ApplicationSet renders: `goTemplate` and `goTemplateOptions`. */
export interface TemplateMode {
  goTemplate: boolean;
  goTemplateOptions: readonly string[];
}

/** A string compiled once, executed per parameter set. */
export type CompiledString = (params: ParamSet) => string;

/** A value (object, array, scalar) compiled once, rendered per parameter set into a fresh copy. */
export type CompiledValue = (params: ParamSet) => unknown;

/**
 * Argo CD's `Render.Replace` with a per-ApplicationSet cache: each distinct template string is
 * parsed once. A string whose parse fails keeps failing with Argo CD's message each time it is
 * rendered (and only when it is rendered, as in Argo CD).
 */
export class TemplateRenderer {
  private readonly cache = new Map<string, CompiledString>();
  private readonly missingKey: ReturnType<typeof missingKeyOption> | undefined;

  constructor(readonly mode: TemplateMode) {
    this.missingKey = mode.goTemplate ? missingKeyOption(mode.goTemplateOptions) : undefined;
  }

  /** Renders one string with one parameter set. */
  replace(source: string, params: ParamSet): string {
    return this.compileString(source)(params);
  }

  /** Compiles one string (cached). */
  compileString(source: string): CompiledString {
    let compiled = this.cache.get(source);
    if (!compiled) {
      compiled = this.mode.goTemplate ? this.compileGoString(source) : compileFastString(source);
      this.cache.set(source, compiled);
    }
    return compiled;
  }

  /**
   * Compiles a JSON-like value the way Argo CD's `deeplyReplace` walks an object: every string
   * (map keys included) is rendered, other scalars are copied, and a null map entry is dropped.
   * Subtrees without templates are shared between results rather than copied.
   */
  compileValue(value: unknown): CompiledValue {
    if (typeof value === 'string') {
      if (!value.includes('{{')) return () => value;
      return this.compileString(value);
    }
    if (Array.isArray(value)) {
      const items = value.map((v) => this.compileValue(v));
      if (value.every((v) => isConstant(v))) {
        const shared = deepFreeze(
          value.map((v) =>
            v !== null && typeof v === 'object' && !Array.isArray(v)
              ? pruneNulls(v as Record<string, unknown>)
              : v,
          ),
        );
        return () => shared;
      }
      return (p) => items.map((f) => f(p));
    }
    if (value !== null && typeof value === 'object') {
      if (isConstant(value)) {
        // Shared by every rendered result, so frozen: a caller mutating one Application cannot
        // change another.
        const pruned = deepFreeze(pruneNulls(value as Record<string, unknown>));
        return () => pruned;
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(
          ([k, v]) => [k.includes('{{') ? this.compileString(k) : k, this.compileValue(v)] as const,
        );
      return (p) => {
        const out: Record<string, unknown> = {};
        for (const [k, f] of entries) out[typeof k === 'string' ? k : k(p)] = f(p);
        return out;
      };
    }
    return () => value;
  }

  private compileGoString(source: string): CompiledString {
    if (!source.includes('{{')) return () => source;
    let template: ReturnType<typeof compileGo>;
    try {
      template = compileGo(source, this.missingKey ?? 'default');
    } catch (err) {
      const message = `failed to parse template ${source}: ${errorMessage(err)}`;
      return () => {
        throw new GenerationError(message);
      };
    }
    return (params) => {
      try {
        return template.execute(params);
      } catch (err) {
        throw new GenerationError(`failed to execute go template ${source}: ${errorMessage(err)}`);
      }
    };
  }
}

function compileFastString(source: string): CompiledString {
  try {
    const t = compileFastTemplate(source);
    if (!t) return () => source;
    return (params) => executeFastTemplate(t, params);
  } catch (err) {
    const e = err instanceof GenerationError ? err : new GenerationError(errorMessage(err));
    return () => {
      throw e;
    };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

function isConstant(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('{{');
  if (Array.isArray(value)) return value.every(isConstant);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k.includes('{{') || !isConstant(v)) return false;
    }
  }
  return true;
}

function pruneNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[k] = Array.isArray(v)
      ? v.map((x) =>
          x !== null && typeof x === 'object' && !Array.isArray(x)
            ? pruneNulls(x as Record<string, unknown>)
            : x,
        )
      : v !== null && typeof v === 'object'
        ? pruneNulls(v as Record<string, unknown>)
        : v;
  }
  return out;
}
