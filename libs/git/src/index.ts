/**
 * Git sources for ApplicationSets: bare mirrors read at a commit, repository URL checks,
 * credentials of private repositories (sealed at rest), and push webhook verification.
 */
export { type RefChange } from './fetch-outcome';
export { GitError, isGitError, type GitErrorCode } from './git-error';
export { gitEnvironment } from './git-environment';
export {
  checkRevision,
  GitObjectReader,
  parseTreeListing,
  type GitRun,
  type GitTree,
} from './git-objects';
export {
  GitMirrorCache,
  type FetchResult,
  type GitMirrorCacheOptions,
  type RepositoryAccess,
} from './mirror-cache';
export {
  repositoryCredentialContext,
  RepositoryCredentialStore,
  type StoredRepositoryCredential,
} from './repository-credential.store';
export {
  prepareCredentials,
  repositoryCredentialsSchema,
  sshCommand,
  type CredentialSession,
  type RepositoryCredentials,
} from './repository-credentials';
export {
  parseRepositoryURL,
  repositoryKey,
  tenantRepositoryCheck,
  type RepositoryTransport,
  type RepositoryURL,
  type RepositoryURLOptions,
} from './repository-url';
export { GitCommandError, runGit, type RunGitOptions } from './run-git';
export {
  readPushWebhook,
  verifyGitHubSignature,
  verifyGitLabToken,
  type PushEvent,
  type WebhookHeaders,
  type WebhookOutcome,
  type WebhookProvider,
} from './webhook';
