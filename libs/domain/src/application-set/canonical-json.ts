import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (recursively), no whitespace: two values that mean the same
 * document serialise to the same string, whatever order their keys were written or merged in.
 * Array order is kept (it means something in a Kubernetes spec). Keys whose value is `undefined`
 * are dropped, as `JSON.stringify` does; anything JSON cannot represent (a function, a bigint, a
 * non-finite number, `undefined` outside an object) throws, so a digest never silently changes.
 */
export function canonicalJson(value: unknown): string {
  // Native JSON.stringify with a replacer that hands it each object with its keys sorted: faster
  // than concatenating strings by hand (digests run over every generated
  // Application). The replacer also refuses what JSON.stringify would silently alter.
  const text = JSON.stringify(value, canonicalReplacer);
  if (text === undefined) throw new TypeError(`$: a ${typeof value} is not JSON`);
  return text;
}

function canonicalReplacer(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${key || '$'}: ${value} is not JSON`);
      return value;
    case 'function':
    case 'bigint':
    case 'symbol':
      throw new TypeError(`${key || '$'}: a ${typeof value} is not JSON`);
    case 'undefined':
      // Dropped in an object (as JSON.stringify does); an array would turn it into null.
      if (Array.isArray(this)) throw new TypeError(`${key}: undefined is not JSON`);
      return value;
    case 'object': {
      if (value === null || Array.isArray(value)) return value;
      // toJSON (a Date) has already run; a plain object is copied with its keys in order.
      // (Integer-like keys such as "10" still come first, in numeric order, as JavaScript
      // orders them in every object: deterministic, which is all a digest needs.)
      const source = value as Record<string, unknown>;
      const keys = Object.keys(source).sort();
      const sorted: Record<string, unknown> = {};
      for (const k of keys) sorted[k] = source[k];
      return sorted;
    }
    default:
      return value;
  }
}

/** SHA-256 of a value's {@link canonicalJson}, as lowercase hex. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
