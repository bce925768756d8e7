import { BadPatternError, compileDoublestar, compileGitPathspec, goPathMatch } from './path-glob';

describe('Go path.Match (Git directory generator)', () => {
  test.each([
    ['apps/*', 'apps/guestbook', true],
    ['apps/*', 'apps/guestbook/overlays', false],
    ['apps/*', 'apps', false],
    ['*/*', 'a/b', true],
    ['apps/?uestbook', 'apps/guestbook', true],
    ['apps/[a-g]*', 'apps/guestbook', true],
    ['apps/[^a-g]*', 'apps/guestbook', false],
    ['apps/[!a-g]*', 'apps/!x', true],
    ['apps/\\*', 'apps/*', true],
    ['apps/guestbook', 'apps/guestbook', true],
    ['**', 'a/b', false],
    ['cluster-addons/*', 'cluster-addons/argo-workflows', true],
  ])('%s ~ %s → %s', (pattern, name, expected) => {
    expect(goPathMatch(pattern, name)).toBe(expected);
  });

  test.each(['apps/[', 'apps/[]', 'apps/\\'])('bad pattern %s', (pattern) => {
    expect(() => goPathMatch(pattern, 'apps/x')).toThrow(BadPatternError);
  });
});

describe('git ls-files pathspecs (Git file generator, default globbing)', () => {
  test.each([
    ['cluster-config/**/config.json', 'cluster-config/engineering/dev/config.json', true],
    ['cluster-config/**/config.json', 'cluster-config/engineering/config.json', true],
    ['cluster-config/**/config.json', 'cluster-config/config.json', false],
    ['cluster-config/*/config.json', 'cluster-config/a/b/config.json', true], // `*` crosses `/`
    ['cluster-config/*.json', 'cluster-config/a/b.json', true],
    ['cluster-config', 'cluster-config/a/b.json', true], // a literal directory matches below it
    ['cluster-config/a.json', 'cluster-config/a.json', true],
    ['cluster-config/a.json', 'cluster-config/a.jsonx', false],
    ['*.yaml', 'x/y.yaml', true],
    ['config?.json', 'config1.json', true],
  ])('%s ~ %s → %s', (pattern, path, expected) => {
    expect(compileGitPathspec(pattern)(path)).toBe(expected);
  });
});

describe('doublestar (Git file generator, --enable-new-git-file-globbing)', () => {
  test.each([
    ['cluster-config/**/config.json', 'cluster-config/config.json', true],
    ['cluster-config/**/config.json', 'cluster-config/a/b/config.json', true],
    ['cluster-config/*/config.json', 'cluster-config/a/b/config.json', false],
    ['cluster-config/*.json', 'cluster-config/a/b.json', false],
    ['cluster-config', 'cluster-config/a/b.json', false],
    ['**/*.json', 'a.json', true],
    ['**', 'a/b/c', true],
    ['apps/{dev,prod}/config.yaml', 'apps/prod/config.yaml', true],
    ['apps/{dev,prod}/config.yaml', 'apps/qa/config.yaml', false],
    ['apps/[!d]*/c.yaml', 'apps/prod/c.yaml', true],
  ])('%s ~ %s → %s', (pattern, path, expected) => {
    expect(compileDoublestar(pattern)(path)).toBe(expected);
  });
});
