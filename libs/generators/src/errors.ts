/**
 * Errors raised by the generator library.
 *
 * `ManifestError` is bad input (not an ApplicationSet, an unknown generator, a wrong type) and
 * names the field. `GenerationError` is what Argo CD reports on the ApplicationSet's
 * `ErrorOccurred` condition when parameter generation or template rendering fails; the message
 * text follows Argo CD's.
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    /** Field path, e.g. `spec.generators[0].list.elements`. */
    readonly field: string,
    detail: string,
  ) {
    super(field ? `${field}: ${detail}` : detail);
  }
}

/** A failure Argo CD reports while generating parameters or rendering Applications. */
export class GenerationError extends Error {
  override readonly name = 'GenerationError';
}

/** Wraps an error the way Go's `fmt.Errorf("...: %w", err)` does. */
export function wrapError(prefix: string, err: unknown): GenerationError {
  return new GenerationError(`${prefix}: ${errorMessage(err)}`);
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
