/**
 * Test support for the Sprig specs: a deterministic function table and a caller. Imported only
 * by *.spec.ts files.
 */
import type { GoTemplateFunction, GoValue } from '../values';
import { sprigFunctions } from './index';

/** A fixed instant for `now`: 2024-05-06T07:08:09Z. */
export const FIXED_NOW = new Date('2024-05-06T07:08:09.000Z');

/** A small deterministic [0,1) generator (mulberry32). */
export function seededRandom(seed = 42): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The Sprig table with the fixed clock and seeded randomness. */
export function testFunctions(seed = 42): Record<string, GoTemplateFunction> {
  return sprigFunctions({ now: () => FIXED_NOW, random: seededRandom(seed) });
}

/** Calls a function by name from a table, failing loudly when it is missing. */
export function caller(
  table: Record<string, GoTemplateFunction>,
): (name: string, ...args: GoValue[]) => GoValue {
  return (name, ...args) => {
    const fn = table[name];
    if (!fn) throw new Error(`function ${name} not defined`);
    return fn(...args);
  };
}
