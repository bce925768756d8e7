/**
 * What the generators read from outside, passed in by the caller (the hub from its registry and
 * bare mirrors, the CLI from files and local repositories). The library itself does no I/O.
 */

/** A cluster as Argo CD's cluster secret describes it. */
export interface ClusterRecord {
  name: string;
  server: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** The AppProject the cluster is scoped to (`project` in the secret), if any. */
  project?: string;
}

/** Read access to Git repositories at a revision. */
export interface GitSource {
  /** Resolves a revision (branch, tag, commit, `HEAD`) of `repoURL` to a commit id. */
  resolveRevision(repoURL: string, revision: string): Promise<string>;
  /** Every directory in the tree at `commit`, as slash-separated paths relative to the root. */
  listDirectories(repoURL: string, commit: string): Promise<string[]>;
  /** Every file in the tree at `commit`, as slash-separated paths relative to the root. */
  listFiles(repoURL: string, commit: string): Promise<string[]>;
  /** The content of one file at `commit`. */
  readFile(repoURL: string, commit: string, path: string): Promise<string>;
}

/** Argo CD's in-cluster destination. */
export const IN_CLUSTER_NAME = 'in-cluster';
/** Argo CD's in-cluster API server address. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
/** The label every Argo CD cluster secret carries. */
export const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

/** Inputs and controller switches of one generation. */
export interface GenerationInputs {
  /** Registered clusters (Argo CD's cluster secrets). */
  clusters?: readonly ClusterRecord[];
  /** Whether Argo CD's implicit in-cluster destination is enabled (default true). */
  localCluster?: boolean;
  /** Git access; required when a Git generator is used. */
  git?: GitSource;
  /** `--enable-new-git-file-globbing`: doublestar patterns for Git file generators. */
  newGitFileGlobbing?: boolean;
  /** `--enable-progressive-syncs`. */
  progressiveSyncs?: boolean;
}
