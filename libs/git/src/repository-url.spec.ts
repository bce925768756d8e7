import { compileTenantPolicy, parseTenantSpec } from '@flotilla/domain';
import { GitError } from './git-error';
import { parseRepositoryURL, repositoryKey, tenantRepositoryCheck } from './repository-url';

function refusal(url: string, options = {}): string {
  try {
    parseRepositoryURL(url, options);
  } catch (error) {
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).code).toBe('UrlRefused');
    return (error as GitError).message;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseRepositoryURL', () => {
  it.each([
    ['https://github.com/org/repo.git', 'https', 'https://github.com/org/repo'],
    ['  https://GitHub.com/Org/Repo  ', 'https', 'https://github.com/org/repo'],
    [
      'https://git.example.com:8443/group/sub/repo',
      'https',
      'https://git.example.com:8443/group/sub/repo',
    ],
    ['ssh://git@github.com/org/repo.git', 'ssh', 'git@github.com/org/repo'],
    ['ssh://git@github.com:2222/org/repo.git', 'ssh', 'git@github.com:2222/org/repo'],
    ['git@github.com:org/repo.git', 'ssh', 'git@github.com/org/repo'],
  ] as const)('accepts %s (%s)', (url, transport, normalized) => {
    const repo = parseRepositoryURL(url);
    expect(repo).toEqual({
      url: url.trim(),
      transport,
      normalized,
      key: repositoryKey(url),
    });
    expect(repo.key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives every spelling of one repository the same key', () => {
    expect(repositoryKey('https://github.com/org/repo.git')).toBe(
      repositoryKey('https://GITHUB.com/org/repo'),
    );
    expect(repositoryKey('git@github.com:org/repo.git')).toBe(
      repositoryKey('ssh://git@github.com/org/repo'),
    );
  });

  it('accepts file URLs only when allowed', () => {
    expect(refusal('file:///srv/repos/config')).toBe(
      'repoURL: "file:///srv/repos/config" is a file URL: allowed only with GIT_ALLOW_FILE_URLS=true (tests and the demo)',
    );
    expect(parseRepositoryURL('file:///srv/repos/config', { allowFileUrls: true })).toMatchObject({
      transport: 'file',
    });
    expect(refusal('file://relative/path', { allowFileUrls: true })).toContain(
      'must be file:///absolute/path',
    );
  });

  it.each([
    ['http://github.com/org/repo', 'uses plain http'],
    ['git://github.com/org/repo', 'uses git://'],
    ['ftp://example.com/repo', 'uses ftp://'],
    ['ext::sh -c touch% /tmp/pwned', 'must not contain spaces'],
    ['ext::sh', 'names a git remote helper'],
    ['fd::3', 'names a git remote helper'],
    ['/srv/repos/config', 'local paths are refused'],
    ['./config', 'local paths are refused'],
    ['../config', 'local paths are refused'],
    ['~/config', 'local paths are refused'],
    ['config', 'is not a repository URL'],
    ['-uhttps://github.com/org/repo', 'must not start with "-"'],
    ['--upload-pack=touch /tmp/x', 'must not start with "-"'],
    ['git@-oProxyCommand=x:repo', 'has a part starting with "-"'],
    ['-oProxyCommand=x@host:repo', 'must not start with "-"'],
    ['ssh://-oProxyCommand=x/repo', 'must name a host'],
    ['https://github.com/', 'must name a repository path'],
    ['https://github.com/org/re po', 'must not contain spaces'],
    ['', 'must not be empty'],
  ])('refuses %j: %s', (url, problem) => {
    expect(refusal(url)).toContain(problem);
  });

  it('refuses embedded credentials without repeating them', () => {
    for (const url of [
      'https://user:hunter2@github.com/org/repo',
      'https://ghp_token123@github.com/org/repo',
      'ssh://git:hunter2@github.com/org/repo',
    ]) {
      const message = refusal(url, { field: 'spec.generators[0].git.repoURL' });
      expect(message).toMatch(/^spec\.generators\[0\]\.git\.repoURL: /);
      expect(message).toContain('must not embed credentials');
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('ghp_token123');
    }
  });
});

describe('tenantRepositoryCheck', () => {
  it('allows what sourceRepos allows, by normalized URL', () => {
    const check = tenantRepositoryCheck(
      compileTenantPolicy(
        parseTenantSpec({
          name: 'team-a',
          sourceRepos: [
            'https://github.com/example/team-a-*',
            '!https://github.com/example/team-a-secret',
          ],
          destinations: [{ clusterSelector: { matchLabels: { team: 'a' } }, namespaces: ['x'] }],
        }),
      ),
    );
    expect(check('https://github.com/example/team-a-apps.git')).toBeUndefined();
    expect(check('https://github.com/example/team-b-apps')).toMatch(
      /is not permitted in tenant team-a/,
    );
    expect(check('https://github.com/example/team-a-secret')).toMatch(/is denied in tenant team-a/);
  });
});
