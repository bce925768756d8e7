import { randomBytes } from 'node:crypto';
import { createPool } from '@flotilla/database';
import { SecretBox, SecretsError } from '@flotilla/secrets';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { GitError } from './git-error';
import { RepositoryCredentialStore } from './repository-credential.store';

const URL_A = 'https://github.com/example/private-config.git';
const PASSWORD = 'ghp_0123456789abcdefSECRET';
const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

describe('RepositoryCredentialStore', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: RepositoryCredentialStore;
  const box = new SecretBox([{ id: 'k1', key: randomBytes(32) }]);
  const sealedOf = async (tenant: string) =>
    (
      await pool.query<{ sealed: string }>(
        'SELECT sealed FROM repository_credentials WHERE tenant = $1',
        [tenant],
      )
    ).rows[0]?.sealed;

  beforeAll(async () => {
    db = await createTestDatabase('repository-credentials');
    pool = createPool(db.url, { max: 2 });
    store = new RepositoryCredentialStore(pool, box);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('stores sealed credentials and reads them back under any spelling of the URL', async () => {
    await store.put('team-a', URL_A, { type: 'https', username: 'robot', password: PASSWORD });
    expect(await store.get('team-a', 'https://GitHub.com/example/private-config')).toEqual({
      type: 'https',
      username: 'robot',
      password: PASSWORD,
    });
    const { rows } = await pool.query<Record<string, unknown>>(
      'SELECT * FROM repository_credentials',
    );
    expect(rows).toEqual([
      {
        tenant: 'team-a',
        url_key: 'https://github.com/example/private-config',
        url: URL_A,
        sealed: expect.stringMatching(/^v1\.k1\./),
        key_id: 'k1',
        created_at: expect.any(Date),
        updated_at: expect.any(Date),
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
    expect(JSON.stringify(rows)).not.toContain('robot');

    // Replacing keeps one row; ssh credentials work for an scp-style URL.
    await store.put('team-a', URL_A, { type: 'https', username: 'robot', password: 'rotated' });
    expect(await store.get('team-a', URL_A)).toMatchObject({ password: 'rotated' });
    await store.put('team-a', 'git@github.com:example/infra.git', { type: 'ssh', privateKey: KEY });
    expect(await store.get('team-a', 'ssh://git@github.com/example/infra')).toEqual({
      type: 'ssh',
      privateKey: KEY,
    });
    const listed = await store.list('team-a');
    expect(listed.map((c) => c.url)).toEqual(['git@github.com:example/infra.git', URL_A]);
    expect(JSON.stringify(listed)).not.toContain('rotated');
    expect(JSON.stringify(listed)).not.toContain('BEGIN');
  });

  it("keeps tenants apart: B never reads A's credential, not even A's sealed value copied", async () => {
    await store.put('team-a', URL_A, { type: 'https', username: 'robot', password: PASSWORD });
    expect(await store.get('team-b', URL_A)).toBeUndefined();
    expect(await store.list('team-b')).toEqual([]);
    expect(await store.delete('team-b', URL_A)).toBe(false);

    // A row forged for team-b with team-a's envelope does not open: the tenant is authenticated.
    await pool.query(
      `INSERT INTO repository_credentials (tenant, url_key, url, sealed, key_id)
       SELECT 'team-b', url_key, url, sealed, key_id FROM repository_credentials
       WHERE tenant = 'team-a' AND url_key = $1`,
      ['https://github.com/example/private-config'],
    );
    await expect(store.get('team-b', URL_A)).rejects.toMatchObject({
      name: 'SecretsError',
      code: 'NOT_AUTHENTIC',
    });
    expect(await store.delete('team-b', URL_A)).toBe(true);
    expect(await store.get('team-a', URL_A)).toMatchObject({ password: PASSWORD });
  });

  it('refuses a tampered sealed value', async () => {
    await store.put('team-c', URL_A, { type: 'https', username: 'robot', password: PASSWORD });
    const sealed = (await sealedOf('team-c'))!;
    const parts = sealed.split('.');
    const ciphertext = parts[3]!;
    parts[3] = (ciphertext[0] === 'A' ? 'B' : 'A') + ciphertext.slice(1);
    await pool.query('UPDATE repository_credentials SET sealed = $1 WHERE tenant = $2', [
      parts.join('.'),
      'team-c',
    ]);
    const error = await store.get('team-c', URL_A).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  it('refuses bad URLs and bad credentials without echoing the secret', async () => {
    await expect(
      store.put('team-a', 'http://github.com/x/y', { type: 'https', username: 'u', password: 'p' }),
    ).rejects.toMatchObject({ code: 'UrlRefused' });
    const bad = await store
      .put('team-a', URL_A, { type: 'ssh', privateKey: 'hunter2-not-a-key' })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(GitError);
    expect((bad as Error).message).toBe('credentials.privateKey: must be a PEM private key');
    await expect(store.put('team-a', URL_A, { type: 'ssh', privateKey: KEY })).rejects.toThrow(
      'ssh credentials for an https URL',
    );
  });

  it('deletes', async () => {
    await store.put('team-d', URL_A, { type: 'https', username: 'robot', password: PASSWORD });
    expect(await store.delete('team-d', `${URL_A}`)).toBe(true);
    expect(await store.get('team-d', URL_A)).toBeUndefined();
    expect(await store.forTenant('team-a')(URL_A)).toMatchObject({ username: 'robot' });
  });
});
