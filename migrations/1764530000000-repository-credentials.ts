import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credentials of private Git repositories, per tenant and normalized repository URL (Argo CD's
 * `NormalizeGitURL`, as tenants' `sourceRepos` match it). Kept out of the event log for the same
 * reasons as kubeconfigs. `sealed` is a SecretBox envelope (libs/secrets) bound to
 * `tenant/<tenant>/repository/<url_key>/credentials`; `key_id` finds what needs re-sealing.
 */
export class RepositoryCredentials1764530000000 implements MigrationInterface {
  name = 'RepositoryCredentials1764530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repository_credentials (
        tenant     text NOT NULL,
        url_key    text NOT NULL,
        url        text NOT NULL,
        sealed     text NOT NULL,
        key_id     text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, url_key)
      )`);
    await q.query('CREATE INDEX repository_credentials_key_id ON repository_credentials (key_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE repository_credentials');
  }
}
