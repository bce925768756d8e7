const SAFE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Keeps a label whose values come from clients (GraphQL operation names) bounded: the first
 * `limit` distinct well-formed values are kept as they are, anything else (a new value past the
 * limit, a malformed one) becomes `other`, so no client can grow the series without end.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  /** The label value to use for `value` (`fallback` when it is missing). */
  of(value: string | null | undefined, fallback: string): string {
    if (!value) return fallback;
    if (this.seen.has(value)) return value;
    if (!SAFE.test(value) || this.seen.size >= this.limit) return 'other';
    this.seen.add(value);
    return value;
  }
}
