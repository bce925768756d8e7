import { workerConfigSchema, parseConfig } from '@flotilla/config';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createWorker } from './worker';

const root = join(__dirname, '../../..');

/** Runs an app's main.ts from source with the given environment. */
function runApp(app: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['-r', '@swc-node/register', `apps/${app}/src/main.ts`], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', SWC_NODE_PROJECT: 'tsconfig.json', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('worker and app start-up', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('worker');
  });
  afterAll(() => db.drop());

  it('starts against a migrated database and stops cleanly', async () => {
    const worker = await createWorker(
      parseConfig(workerConfigSchema, {
        DATABASE_URL: db.url,
        LOG_LEVEL: 'silent',
        METRICS_PORT: '0',
      }),
    );
    await worker.stop();
  });

  it.each([
    [
      'hub',
      { PORT: 'eighty', AUTH_JWT_SECRET: 'x'.repeat(40) },
      /^hub: configuration: PORT must be a port number$/m,
    ],
    ['hub', {}, /^hub: configuration: AUTH_JWT_SECRET or AUTH_JWKS_URL is required/m],
    [
      'worker',
      { REDIS_URL: 'localhost' },
      /^worker: configuration: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/m,
    ],
    ['agent', {}, /^agent: configuration: FLOTILLA_HUB_URL is required$/m],
  ])(
    '%s refuses bad configuration with one line per variable and exit code 1',
    (app, env, line) => {
      const result = runApp(app, env);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(line);
    },
  );
});
