import { repositoryKey } from '@flotilla/git';
import { generationTargets } from './generation-targets';

const spec = (generators: unknown[], repoURL = 'https://github.com/org/apps') => ({
  spec: {
    generators,
    template: { metadata: { name: 'x' }, spec: { source: { repoURL }, destination: {} } },
  },
});

describe('generationTargets', () => {
  it.each([
    ['a top-level cluster generator', [{ clusters: {} }], true],
    ['a list generator only', [{ list: { elements: [] } }], false],
    [
      'clusters inside a matrix',
      [{ matrix: { generators: [{ list: {} }, { clusters: {} }] } }],
      true,
    ],
    [
      'clusters inside a merge inside a matrix',
      [{ matrix: { generators: [{ merge: { generators: [{ clusters: {} }] } }, { list: {} }] } }],
      true,
    ],
  ])('%s: uses clusters = %s', (_name, generators, usesClusters) => {
    expect(generationTargets(spec(generators)).usesClusters).toBe(usesClusters);
  });

  it('collects Git generator and template repositories (normalized keys), not templated ones', () => {
    const targets = generationTargets(
      spec(
        [
          { git: { repoURL: 'https://github.com/org/config.git', revision: 'main' } },
          { matrix: { generators: [{ git: { repoURL: 'https://github.com/{{.org}}/x' } }] } },
        ],
        'https://GitHub.com/org/apps',
      ),
    );
    expect(targets.repoURLs).toEqual([
      'https://GitHub.com/org/apps',
      'https://github.com/org/config.git',
    ]);
    expect(targets.generatorRepoURLs).toEqual(['https://github.com/org/config.git']);
    expect(targets.repoKeys).toEqual(
      [
        repositoryKey('https://github.com/org/apps'),
        repositoryKey('https://github.com/org/config'),
      ].sort(),
    );
  });

  it('reads nothing from a manifest without generators', () => {
    expect(generationTargets({})).toEqual({
      usesClusters: false,
      repoURLs: [],
      repoKeys: [],
      generatorRepoURLs: [],
    });
  });
});
