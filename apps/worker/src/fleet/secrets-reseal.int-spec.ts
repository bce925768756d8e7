import { randomBytes } from 'node:crypto';
import { createPool } from '@flotilla/database';
import { RepositoryCredentialStore } from '@flotilla/git';
import { NotificationSecretStore } from '@flotilla/notifications';
import { SecretBox } from '@flotilla/secrets';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Job } from 'bullmq';
import type { Pool } from 'pg';
import pino from 'pino';
import { secretsResealProcessor } from './secrets-reseal.processor';

describe('secrets-reseal: repository credentials and notification secrets', () => {
  let db: TestDatabase;
  let pool: Pool;
  const k1 = { id: 'k1', key: randomBytes(32) };
  const k2 = { id: 'k2', key: randomBytes(32) };

  beforeAll(async () => {
    db = await createTestDatabase('secrets-reseal');
    pool = createPool(db.url, { max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('re-seals repository credentials and notification secrets under the new key; an unopenable one is reported', async () => {
    const rule = '0b5c3f4e-8d7a-4c1b-9e2f-3a4b5c6d7e8f';
    await new NotificationSecretStore(pool, new SecretBox([k1])).put(rule, 'team-a', {
      secret: 'shh-secret',
      url: 'https://hooks.example.com/x',
    });
    const old = new RepositoryCredentialStore(pool, new SecretBox([k1]));
    for (const tenant of ['team-a', 'team-b']) {
      for (const repo of ['config', 'infra']) {
        await old.put(tenant, `https://github.com/example/${repo}.git`, {
          type: 'https',
          username: tenant,
          password: `${tenant}-${repo}`,
        });
      }
    }
    // Sealed with a key nobody has any more.
    await new RepositoryCredentialStore(
      pool,
      new SecretBox([{ id: 'k0', key: randomBytes(32) }]),
    ).put('team-c', 'https://github.com/example/lost.git', {
      type: 'https',
      username: 'c',
      password: 'lost',
    });

    const box = new SecretBox([k2, k1]);
    const run = secretsResealProcessor({ pool, box, logger: pino({ level: 'silent' }) });
    const job = { data: { type: 'secrets-reseal', keyId: 'k2' } } as Job<{
      type: 'secrets-reseal';
      keyId: string;
    }>;
    expect(await run(job)).toEqual({
      outcome: 'done',
      keyId: 'k2',
      resealed: 5,
      failed: ['repository/team-c/https://github.com/example/lost'],
    });
    expect(await new NotificationSecretStore(pool, new SecretBox([k2])).get(rule)).toEqual({
      secret: 'shh-secret',
      url: 'https://hooks.example.com/x',
    });
    const onlyNew = new RepositoryCredentialStore(pool, new SecretBox([k2]));
    expect(await onlyNew.get('team-b', 'https://github.com/example/infra')).toEqual({
      type: 'https',
      username: 'team-b',
      password: 'team-b-infra',
    });
    expect((await onlyNew.list('team-a')).map((c) => c.keyId)).toEqual(['k2', 'k2']);
    // Nothing left to do under k2 but the lost one.
    expect(await run(job)).toMatchObject({ resealed: 0, failed: [expect.any(String)] });
  });
});
