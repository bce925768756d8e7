/**
 * The one error type of the template engine. Its message is exactly Go's (parse errors
 * `template: NAME:LINE: ...`, execution errors `template: NAME:LINE:COL: executing "NAME" at
 * <NODE>: ...`), so users see what Argo CD would have shown them.
 */
export class GoTemplateError extends Error {
  override readonly name = 'GoTemplateError';

  /** @param message Go's full error text. @param cause The function error, for `error calling X`. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
