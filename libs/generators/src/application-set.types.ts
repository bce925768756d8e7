import type { LabelSelector } from '@flotilla/domain';

/** A JSON-like object as decoded from YAML/JSON. */
export type JsonObject = Record<string, unknown>;

/** `spec.template` / a generator's `template`: Application metadata subset and spec. */
export interface ApplicationTemplate {
  metadata: JsonObject;
  spec: JsonObject;
}

/** `list` generator. */
export interface ListGeneratorSpec {
  elements: unknown[];
  elementsYaml?: string;
}

/** `clusters` generator. */
export interface ClusterGeneratorSpec {
  selector: LabelSelector;
  values: Record<string, string>;
  flatList: boolean;
}

/** One `directories` or `files` entry of a Git generator. */
export interface GitPathItem {
  path: string;
  exclude: boolean;
}

/** `git` generator. */
export interface GitGeneratorSpec {
  repoURL: string;
  revision: string;
  directories: GitPathItem[];
  files: GitPathItem[];
  values: Record<string, string>;
  pathParamPrefix: string;
  requeueAfterSeconds?: number;
}

/** `matrix` generator (children kept raw: the second is interpolated before it is read). */
export interface MatrixGeneratorSpec {
  generators: JsonObject[];
}

/** `merge` generator. */
export interface MergeGeneratorSpec {
  generators: JsonObject[];
  mergeKeys: string[];
}

/** One generator entry, read and type-checked. Exactly one kind is set (or none, see `kind`). */
export type GeneratorSpec = {
  /** Field path of this entry, for messages. */
  field: string;
  /** The entry as written (used for interpolation and `template` overrides). */
  raw: JsonObject;
  selector?: LabelSelector;
  template?: ApplicationTemplate;
} & (
  | { kind: 'list'; list: ListGeneratorSpec }
  | { kind: 'clusters'; clusters: ClusterGeneratorSpec }
  | { kind: 'git'; git: GitGeneratorSpec }
  | { kind: 'matrix'; matrix: MatrixGeneratorSpec }
  | { kind: 'merge'; merge: MergeGeneratorSpec }
  /** A nested entry whose only content Argo CD drops (a third level of matrix/merge). */
  | { kind: 'none' }
);

/** The generator kinds this library runs. */
export type GeneratorKind = Exclude<GeneratorSpec['kind'], 'none'>;

/** A validated `argoproj.io/v1alpha1` ApplicationSet. */
export interface ApplicationSet {
  name: string;
  namespace?: string;
  goTemplate: boolean;
  goTemplateOptions: string[];
  /** Raw generator entries, each validated by `readGenerator`. */
  generators: JsonObject[];
  template: ApplicationTemplate;
  templatePatch?: string;
  preserveResourcesOnDeletion: boolean;
  strategyType?: string;
}
