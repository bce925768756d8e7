import { compilePathMatch } from './path-match';

describe('compilePathMatch (Go filepath.Match, as Argo CD matches group/kind)', () => {
  it.each([
    ['*', 'ClusterRole', true],
    ['*', '', true],
    ['Cluster*', 'ClusterRoleBinding', true],
    ['?ode', 'Node', true],
    ['[^N]ode', 'Node', false],
    ['[A-CN]ode', 'Node', true],
    ['[a-zA-Z]*', 'Namespace', true],
    ['{a,b}', '{a,b}', true], // no alternatives in filepath.Match
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['rbac.authorization.k8s.io', 'rbac.authorization.k8s.io', true],
    ['*.k8s.io', 'rbac.authorization.k8s.io', true],
    ['*', 'a/b', false], // `*` stops at `/`
    ['[z-a]', 'm', false], // Go accepts a reversed range, which matches nothing
  ])('%j ~ %j is %s', (pattern, text, expected) => {
    expect(compilePathMatch(pattern, 'f').match(text)).toBe(expected);
  });

  it.each(['[', '[]', '[a-]', '[-a]', 'abc\\', '[^]'])('refuses %j naming the field', (pattern) => {
    expect(() => compilePathMatch(pattern, 'clusterResourceWhitelist[0].kind')).toThrow(
      `clusterResourceWhitelist[0].kind: invalid pattern ${JSON.stringify(pattern)} (syntax error in pattern)`,
    );
  });
});
