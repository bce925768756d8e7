/**
 * Why rendering an Application's source failed: a closed set, so the worker can put a reason code
 * on the Application's status (and know which failures a retry cannot fix: all but `ToolFailed`
 * on a timeout).
 */
export type RenderErrorCode =
  /** `helm` or `kustomize` is not on this worker's PATH. */
  | 'ToolMissing'
  /** `helm template` or `kustomize build` failed or timed out. */
  | 'ToolFailed'
  /** The source settings are wrong (a bad glob, a path outside the repository, two types). */
  | 'InvalidSource'
  /** The source asks for something Flotilla does not render (jsonnet, plugins, Helm repos). */
  | 'Unsupported'
  /** A file that should hold Kubernetes objects does not parse as them. */
  | 'InvalidManifest'
  /** A YAML file expands its anchors and aliases beyond the limit ("billion laughs"). */
  | 'AliasLimitExceeded'
  /** The files read (or a tool's output) exceed the size limit. */
  | 'SourceTooLarge'
  /** The bundle's canonical manifests exceed the size limit. */
  | 'BundleTooLarge'
  /** The bundle has more objects than the limit. */
  | 'TooManyObjects';

/** A rendering failure; `file` names the repository file at fault, when there is one. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    readonly code: RenderErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** True when `error` is a {@link RenderError}, optionally of one of `codes`. */
export function isRenderError(error: unknown, ...codes: RenderErrorCode[]): error is RenderError {
  return error instanceof RenderError && (codes.length === 0 || codes.includes(error.code));
}
