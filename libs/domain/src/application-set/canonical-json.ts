import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (recursively), no whitespace: two values that mean the same
 * document serialise to the same string, whatever order their keys were written or merged in.
 * Array order is kept (it means something in a Kubernetes spec). Keys whose value is `undefined`
 * are dropped, as `JSON.stringify` does; anything JSON cannot represent (a function, a bigint, a
 * non-finite number, `undefined` outside an object) throws, so a digest never silently changes.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`${path}: a ${typeof value} is not JSON`);
  }
}

/** SHA-256 of a value's {@link canonicalJson}, as lowercase hex. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
