import { normalizeRepoURL } from '@flotilla/domain';
import type { SecretBox } from '@flotilla/secrets';
import type { Pool } from 'pg';
import { GitError } from './git-error';
import { repositoryCredentialsSchema, type RepositoryCredentials } from './repository-credentials';
import { parseRepositoryURL } from './repository-url';

/** A stored credential as listed: which repository, which key sealed it; never the secret. */
export interface StoredRepositoryCredential {
  url: string;
  urlKey: string;
  keyId: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The context a repository credential is sealed for: tenant and normalized URL, so an envelope
 * copied to another tenant's row (or another repository) does not open.
 */
export const repositoryCredentialContext = (tenant: string, urlKey: string): string =>
  `tenant/${tenant}/repository/${urlKey}/credentials`;

/**
 * Credentials of private repositories per tenant, sealed with {@link SecretBox} in
 * `repository_credentials` (like kubeconfigs: outside the event log, replaceable, re-sealable).
 * Rows are keyed by tenant and normalized URL; one tenant never reads another's.
 */
export class RepositoryCredentialStore {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
    private readonly options: { allowFileUrls?: boolean } = {},
  ) {}

  /** Stores (or replaces) the credentials `tenant` uses for `url`. */
  async put(
    tenant: string,
    url: string,
    credentials: RepositoryCredentials,
    /** Run inside the caller's transaction (e.g. with the audit event). */
    client: Pick<Pool, 'query'> = this.pool,
  ): Promise<void> {
    const repo = parseRepositoryURL(url, { allowFileUrls: this.options.allowFileUrls });
    const parsed = repositoryCredentialsSchema.safeParse(credentials);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // The message names the field only: zod may echo the value, which is a secret.
      throw new GitError(
        'CredentialsInvalid',
        `credentials.${issue?.path.join('.') ?? ''}: ${issue?.code === 'custom' ? issue.message : 'invalid'}`,
      );
    }
    if (parsed.data.type === 'ssh' && repo.transport === 'https') {
      throw new GitError(
        'UrlRefused',
        `credentials: ssh credentials for an https URL (${repo.url})`,
      );
    }
    const sealed = this.box.seal(
      JSON.stringify(parsed.data),
      repositoryCredentialContext(tenant, repo.normalized),
    );
    await client.query(
      `INSERT INTO repository_credentials (tenant, url_key, url, sealed, key_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant, url_key) DO UPDATE
         SET url = EXCLUDED.url, sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id,
             updated_at = now()`,
      [tenant, repo.normalized, repo.url, sealed, this.box.keyIdOf(sealed)],
    );
  }

  /**
   * The credentials `tenant` stored for `url`, or undefined. Throws a `SecretsError` when the
   * stored value does not open (altered, moved, or its key removed): never silently anonymous.
   */
  async get(tenant: string, url: string): Promise<RepositoryCredentials | undefined> {
    const urlKey = normalizeRepoURL(url);
    const { rows } = await this.pool.query<{ sealed: string }>(
      'SELECT sealed FROM repository_credentials WHERE tenant = $1 AND url_key = $2',
      [tenant, urlKey],
    );
    const row = rows[0];
    if (!row) return undefined;
    const plain = this.box.open(row.sealed, repositoryCredentialContext(tenant, urlKey));
    return repositoryCredentialsSchema.parse(JSON.parse(plain));
  }

  /** Deletes the credentials `tenant` stored for `url`; false when there were none. */
  async delete(
    tenant: string,
    url: string,
    client: Pick<Pool, 'query'> = this.pool,
  ): Promise<boolean> {
    const { rowCount } = await client.query(
      'DELETE FROM repository_credentials WHERE tenant = $1 AND url_key = $2',
      [tenant, normalizeRepoURL(url)],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The repositories `tenant` has credentials for, by URL, without the secrets. */
  async list(tenant: string): Promise<StoredRepositoryCredential[]> {
    const { rows } = await this.pool.query<{
      url: string;
      url_key: string;
      key_id: string;
      created_at: Date;
      updated_at: Date;
    }>(
      `SELECT url, url_key, key_id, created_at, updated_at FROM repository_credentials
       WHERE tenant = $1 ORDER BY url_key`,
      [tenant],
    );
    return rows.map((r) => ({
      url: r.url,
      urlKey: r.url_key,
      keyId: r.key_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  /** `get` bound to one tenant: the `credentials` of a `RepositoryAccess`. */
  forTenant(tenant: string): (url: string) => Promise<RepositoryCredentials | undefined> {
    return (url) => this.get(tenant, url);
  }
}
