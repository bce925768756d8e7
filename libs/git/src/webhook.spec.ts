import { createHmac } from 'node:crypto';
import { readPushWebhook, verifyGitHubSignature, verifyGitLabToken } from './webhook';

const SECRET = 'webhook-secret-0123456789';
const AFTER = 'a'.repeat(40);

const githubPush = Buffer.from(
  JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: AFTER,
    repository: {
      clone_url: 'https://github.com/example/config.git',
      ssh_url: 'git@github.com:example/config.git',
      html_url: 'https://github.com/example/config',
      git_url: 'git://github.com/example/config.git',
    },
  }),
);
const gitlabPush = Buffer.from(
  JSON.stringify({
    object_kind: 'push',
    ref: 'refs/heads/main',
    after: AFTER,
    project: {
      git_http_url: 'https://gitlab.example.com/group/config.git',
      git_ssh_url: 'git@gitlab.example.com:group/config.git',
      web_url: 'https://gitlab.example.com/group/config',
    },
    repository: { git_http_url: 'https://gitlab.example.com/group/config.git' },
  }),
);
const sign = (body: Buffer, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
/** `signature` null: no signature header at all. */
const github = (event: string, body: Buffer, signature: string | null = sign(body)) => ({
  'x-github-event': event,
  'content-type': 'application/json',
  ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
});

describe('GitHub push webhooks', () => {
  it('reads a signed push: every repository URL, the ref and the new commit', () => {
    expect(readPushWebhook(github('push', githubPush), githubPush, SECRET)).toEqual({
      kind: 'push',
      push: {
        provider: 'github',
        repoURLs: [
          'https://github.com/example/config.git',
          'git@github.com:example/config.git',
          'https://github.com/example/config',
        ],
        ref: 'refs/heads/main',
        after: AFTER,
      },
    });
  });

  it('reads form-encoded deliveries (payload=<json>), signed over the raw form body', () => {
    const form = Buffer.from(`payload=${encodeURIComponent(githubPush.toString())}`);
    const headers = {
      ...github('push', form),
      'content-type': 'application/x-www-form-urlencoded',
    };
    expect(readPushWebhook(headers, form, SECRET)).toMatchObject({ kind: 'push' });
  });

  it.each([
    ['a signature made with another secret', sign(githubPush, 'another-secret-0123456789')],
    ['no signature header', null],
    ['an empty signature', ''],
    ['the SHA-1 form only', `sha1=${createHmac('sha1', SECRET).update(githubPush).digest('hex')}`],
    ['a truncated signature', sign(githubPush).slice(0, 40)],
    ['the right HMAC without its prefix', sign(githubPush).slice('sha256='.length)],
  ])('refuses %s', (_, signature) => {
    expect(readPushWebhook(github('push', githubPush, signature), githubPush, SECRET)).toEqual({
      kind: 'refused',
    });
  });

  it('refuses a replayed signature on a body with one byte changed', () => {
    const signature = sign(githubPush);
    const tampered = Buffer.from(githubPush);
    tampered[tampered.indexOf('main')] = 'x'.charCodeAt(0);
    expect(readPushWebhook(github('push', tampered, signature), tampered, SECRET)).toEqual({
      kind: 'refused',
    });
    // Whitespace added around the same JSON changes the bytes too.
    const reformatted = Buffer.from(`${githubPush.toString()} `);
    expect(readPushWebhook(github('push', reformatted, signature), reformatted, SECRET)).toEqual({
      kind: 'refused',
    });
  });

  it('refuses everything when the secret is empty', () => {
    expect(verifyGitHubSignature(githubPush, sign(githubPush, ''), '')).toBe(false);
    expect(verifyGitLabToken('', '')).toBe(false);
  });

  it('accepts ping and other signed events as ignored', () => {
    const ping = Buffer.from('{"zen":"Keep it logically awesome.","hook_id":1}');
    expect(readPushWebhook(github('ping', ping), ping, SECRET)).toEqual({
      kind: 'ignored',
      provider: 'github',
      event: 'ping',
    });
    expect(readPushWebhook(github('issues', ping), ping, SECRET)).toMatchObject({
      kind: 'ignored',
      event: 'issues',
    });
    // An unsigned ping is refused like anything else.
    expect(readPushWebhook(github('ping', ping, null), ping, SECRET)).toEqual({
      kind: 'refused',
    });
  });

  it('reports a signed push it cannot read as malformed', () => {
    for (const body of [
      'not json',
      '{"ref":"refs/heads/main"}',
      `{"ref":"x","after":"nope","repository":{"clone_url":"https://h/r"}}`,
    ]) {
      const raw = Buffer.from(body);
      expect(readPushWebhook(github('push', raw), raw, SECRET)).toMatchObject({
        kind: 'malformed',
      });
    }
  });

  it('refuses a delivery that names no provider', () => {
    expect(readPushWebhook({ 'content-type': 'application/json' }, githubPush, SECRET)).toEqual({
      kind: 'refused',
    });
  });
});

describe('GitLab push webhooks', () => {
  const gitlab = (event: string, token?: string) => ({
    'x-gitlab-event': event,
    ...(token === undefined ? {} : { 'x-gitlab-token': token }),
  });

  it('reads a push and a tag push with the right token', () => {
    expect(readPushWebhook(gitlab('Push Hook', SECRET), gitlabPush, SECRET)).toEqual({
      kind: 'push',
      push: {
        provider: 'gitlab',
        repoURLs: [
          'https://gitlab.example.com/group/config.git',
          'git@gitlab.example.com:group/config.git',
          'https://gitlab.example.com/group/config',
        ],
        ref: 'refs/heads/main',
        after: AFTER,
      },
    });
    expect(readPushWebhook(gitlab('Tag Push Hook', SECRET), gitlabPush, SECRET)).toMatchObject({
      kind: 'push',
    });
  });

  it.each([
    ['a wrong token', 'wrong-token-0123456789'],
    ['the token with a character more', `${SECRET}x`],
    ['the token as a prefix', SECRET.slice(0, -1)],
    ['no token', undefined],
  ])('refuses %s', (_, token) => {
    expect(readPushWebhook(gitlab('Push Hook', token), gitlabPush, SECRET)).toEqual({
      kind: 'refused',
    });
  });

  it('ignores other events, and system hooks that are not pushes', () => {
    expect(readPushWebhook(gitlab('Merge Request Hook', SECRET), gitlabPush, SECRET)).toEqual({
      kind: 'ignored',
      provider: 'gitlab',
      event: 'Merge Request Hook',
    });
    const created = Buffer.from('{"event_name":"project_create"}');
    expect(readPushWebhook(gitlab('System Hook', SECRET), created, SECRET)).toMatchObject({
      kind: 'ignored',
      event: 'project_create',
    });
  });
});
