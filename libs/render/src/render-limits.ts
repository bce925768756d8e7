/** What one render may cost; every limit is refused with a {@link RenderError} naming it. */
export interface RenderLimits {
  /** Bytes of manifest files read, of a tool's output, and of the canonical bundle. */
  maxBytes: number;
  /** Objects in a bundle. */
  maxObjects: number;
  /**
   * The `yaml` package's `maxAliasCount`: how far aliases may expand in one document (its
   * "resource exhaustion" guard; 0 refuses every alias). 100 is the package's own default.
   */
  maxAliasCount: number;
  /** Bytes of repository files written for `helm template` / `kustomize build`. */
  maxCheckoutBytes: number;
  /** Time limit of one `helm template` / `kustomize build`. */
  toolTimeoutMs: number;
}

/** 5 MiB and 5,000 objects per bundle; a 64 MiB checkout; one minute per tool run. */
export const DEFAULT_RENDER_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxBytes: 5 * 1024 * 1024,
  maxObjects: 5_000,
  maxAliasCount: 100,
  maxCheckoutBytes: 64 * 1024 * 1024,
  toolTimeoutMs: 60_000,
});

/** The defaults with the caller's overrides. */
export const renderLimits = (overrides: Partial<RenderLimits> = {}): RenderLimits => ({
  ...DEFAULT_RENDER_LIMITS,
  ...overrides,
});
