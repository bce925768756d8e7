/**
 * The parts of an Argo CD `ApplicationSource` that rendering reads (`spec.source` of a generated
 * Application). Unknown fields are ignored, as Argo CD ignores fields it does not know.
 */
export interface ApplicationSource {
  repoURL: string;
  /** Path of the source in the repository; empty or `.` for the root. */
  path?: string;
  targetRevision?: string;
  /** A Helm repository chart name: not rendered (Flotilla renders Git sources only). */
  chart?: string;
  directory?: DirectorySettings;
  helm?: HelmSettings;
  kustomize?: Record<string, unknown>;
  plugin?: Record<string, unknown>;
}

/** `spec.source.directory`. */
export interface DirectorySettings {
  /** Read subdirectories too (default false). */
  recurse?: boolean;
  /** A glob (gobwas syntax, `{a,b}` alternatives) a file's path must match, relative to `path`. */
  include?: string;
  /** A glob a file's path must not match; checked before `include`. */
  exclude?: string;
  /** Argo CD's jsonnet settings: left out of Flotilla, refused when set. */
  jsonnet?: Record<string, unknown>;
}

/** `spec.source.helm` (the fields `helm template` needs). */
export interface HelmSettings {
  releaseName?: string;
  namespace?: string;
  /** Values files, relative to the chart directory. */
  valueFiles?: string[];
  ignoreMissingValueFiles?: boolean;
  /** Values as a YAML string. */
  values?: string;
  /** Values as an object (wins over `values`, as in Argo CD). */
  valuesObject?: Record<string, unknown>;
  parameters?: { name: string; value: string; forceString?: boolean }[];
  skipCrds?: boolean;
}
