import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { queuePrefix, QUEUES, type JobOn } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { repositoryKey } from '@flotilla/git';
import { databaseIdentity } from '@flotilla/inventory';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { GIT_WEBHOOK_MAX_BODY_BYTES, GIT_WEBHOOK_PATH } from './git-webhook.body';

const SECRET = 'git-webhook-secret-for-tests-0123';
const REFUSED = {
  error: {
    code: 'UNAUTHENTICATED',
    message: 'the webhook signature or token is not valid for this hub',
  },
};
const commit = (c: string) => c.repeat(40);

const githubPush = (after: string) =>
  Buffer.from(
    JSON.stringify({
      ref: 'refs/heads/main',
      after,
      repository: {
        clone_url: 'https://github.com/example/config.git',
        ssh_url: 'git@github.com:example/config.git',
        html_url: 'https://github.com/example/config',
      },
    }),
  );
const gitlabPush = (after: string) =>
  Buffer.from(
    JSON.stringify({
      object_kind: 'push',
      ref: 'refs/heads/main',
      after,
      project: {
        git_http_url: 'https://gitlab.example.com/group/config.git',
        git_ssh_url: 'git@gitlab.example.com:group/config.git',
        web_url: 'https://gitlab.example.com/group/config',
      },
    }),
  );
const sign = (body: Buffer, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function deliver(hub: TestHub, headers: Record<string, string>, body: Buffer) {
  const res = await fetch(`${hub.url}${GIT_WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as unknown };
}
const fromGitHub = (hub: TestHub, body: Buffer, event = 'push', signature = sign(body)) =>
  deliver(hub, { 'x-github-event': event, 'x-hub-signature-256': signature }, body);
const fromGitLab = (hub: TestHub, body: Buffer, token = SECRET, event = 'Push Hook') =>
  deliver(hub, { 'x-gitlab-event': event, 'x-gitlab-token': token }, body);

describe('POST /api/webhooks/git', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  let redis: Redis;
  let queue: Queue<JobOn<typeof QUEUES.gitRefresh>>;
  const jobs = async () =>
    (await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']))
      .map((j) => ({ id: j.id, name: j.name, data: j.data }))
      .sort((a, b) => (a.id! < b.id! ? -1 : 1));

  beforeAll(async () => {
    db = await createTestDatabase('git-webhook');
    hub = await startTestHub(db.url, { GIT_WEBHOOK_SECRET: SECRET });
    pool = createPool(db.url, { max: 1 });
    redis = new Redis(hub.config.REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUES.gitRefresh, {
      connection: redis,
      prefix: queuePrefix(await databaseIdentity(pool)),
    });
  });
  afterEach(async () => {
    await queue.obliterate({ force: true });
  });
  afterAll(async () => {
    await hub.close();
    await queue.close();
    redis.disconnect();
    await pool.end();
    await db.drop();
  });

  it('queues one git-refresh job per repository for a GitHub push; a redelivery adds none', async () => {
    const body = githubPush(commit('a'));
    expect(await fromGitHub(hub, body)).toEqual({
      status: 202,
      body: { accepted: true, repositories: 2 },
    });
    const https = 'https://github.com/example/config.git';
    const ssh = 'git@github.com:example/config.git';
    const expected = [
      {
        id: `git-refresh/${repositoryKey(https)}/${commit('a')}`,
        name: 'git-refresh',
        data: { type: 'git-refresh', repoURL: https },
      },
      {
        id: `git-refresh/${repositoryKey(ssh)}/${commit('a')}`,
        name: 'git-refresh',
        data: { type: 'git-refresh', repoURL: ssh },
      },
    ].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(await jobs()).toEqual(expected);
    // GitHub redelivers the same bytes with the same signature: exactly one job per repository.
    expect(await fromGitHub(hub, body)).toMatchObject({ status: 202 });
    expect(await jobs()).toEqual(expected);
    // A later push is a new job.
    await fromGitHub(hub, githubPush(commit('b')));
    expect(await jobs()).toHaveLength(4);
  });

  it('queues a GitLab push once per repository, redelivered or not', async () => {
    const body = gitlabPush(commit('c'));
    expect(await fromGitLab(hub, body)).toEqual({
      status: 202,
      body: { accepted: true, repositories: 2 },
    });
    await fromGitLab(hub, body);
    await fromGitLab(hub, body, SECRET, 'Tag Push Hook');
    expect((await jobs()).map((j) => j.data.repoURL).sort()).toEqual([
      'git@gitlab.example.com:group/config.git',
      'https://gitlab.example.com/group/config.git',
    ]);
  });

  it('takes file:// repositories only from a hub that allows them (GIT_ALLOW_FILE_URLS)', async () => {
    const local = (after: string) =>
      Buffer.from(
        JSON.stringify({
          object_kind: 'push',
          ref: 'refs/heads/main',
          after,
          project: { git_http_url: 'file:///srv/git/config' },
        }),
      );
    expect(await fromGitLab(hub, local(commit('e')))).toEqual({
      status: 202,
      body: { accepted: true, repositories: 0 },
    });
    expect(await jobs()).toEqual([]);
    const allowing = await startTestHub(db.url, {
      GIT_WEBHOOK_SECRET: SECRET,
      GIT_ALLOW_FILE_URLS: 'true',
    });
    try {
      expect(await fromGitLab(allowing, local(commit('f')))).toEqual({
        status: 202,
        body: { accepted: true, repositories: 1 },
      });
      expect((await jobs()).map((j) => j.data.repoURL)).toEqual(['file:///srv/git/config']);
    } finally {
      await allowing.close();
    }
  });

  it('answers every forged delivery with the same 401 and queues nothing', async () => {
    const body = githubPush(commit('d'));
    const tampered = Buffer.from(body.toString().replace('refs/heads/main', 'refs/heads/mainx'));
    const attempts = [
      // A signature made with another secret.
      fromGitHub(hub, body, 'push', sign(body, 'not-the-secret-0123456789')),
      // No signature at all.
      deliver(hub, { 'x-github-event': 'push' }, body),
      // A captured signature replayed on a body with one byte changed.
      fromGitHub(hub, tampered, 'push', sign(body)),
      // GitLab with a wrong token, and with none.
      fromGitLab(hub, gitlabPush(commit('d')), 'wrong-token-0123456789abc'),
      deliver(hub, { 'x-gitlab-event': 'Push Hook' }, gitlabPush(commit('d'))),
      // Neither provider.
      deliver(hub, {}, body),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(answer).toEqual({ status: 401, body: REFUSED });
    }
    expect(await jobs()).toEqual([]);
  });

  it('accepts ping and other signed events without queueing', async () => {
    const ping = Buffer.from('{"zen":"Design for failure.","hook_id":7}');
    expect(await fromGitHub(hub, ping, 'ping')).toEqual({
      status: 202,
      body: { accepted: false, repositories: 0, ignored: 'ping' },
    });
    expect(await fromGitHub(hub, ping, 'issues')).toMatchObject({
      status: 202,
      body: { accepted: false },
    });
    expect(await jobs()).toEqual([]);
  });

  it('refuses a body over 1 MiB with 413 before reading it, declared or streamed', async () => {
    const big = Buffer.alloc(GIT_WEBHOOK_MAX_BODY_BYTES + 1, 0x20);
    expect(await fromGitHub(hub, big)).toEqual({
      status: 413,
      body: {
        error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('over the limit') },
      },
    });
    // Chunked, without a Content-Length: refused as it streams in.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${hub.url}${GIT_WEBHOOK_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
          'x-github-event': 'push',
          'x-hub-signature-256': sign(big),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 17; i++) req.write(Buffer.alloc(64 * 1024, 0x20));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(await jobs()).toEqual([]);
  });

  it('answers 503 with a clear message when GIT_WEBHOOK_SECRET is not set', async () => {
    const bare = await startTestHub(db.url);
    try {
      const body = githubPush(commit('e'));
      expect(await fromGitHub(bare, body)).toEqual({
        status: 503,
        body: {
          error: {
            code: 'UNAVAILABLE',
            message:
              'Git webhooks are not enabled on this hub: set GIT_WEBHOOK_SECRET to the webhook secret',
          },
        },
      });
    } finally {
      await bare.close();
    }
  });
});
