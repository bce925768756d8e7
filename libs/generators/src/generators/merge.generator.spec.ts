import { generateApplications } from '../application-set.generator';
import { readApplicationSet } from '../application-set.reader';
import type { ClusterRecord } from '../sources';

// The Merge generator page of Argo CD's docs (Generators-Merge.md) and merge_test.go.
const clusters: ClusterRecord[] = [
  { name: 'c1', server: 'https://1.2.3.4', labels: { 'use-kafka': 'false' } },
  { name: 'c2', server: 'https://2.4.6.8', labels: { 'use-kafka': 'true' } },
];

function run(
  merge: Record<string, unknown>,
  goTemplate: boolean,
  name: string,
  annotations: Record<string, string> = {},
) {
  const set = readApplicationSet({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'merge', namespace: 'argocd' },
    spec: {
      goTemplate,
      generators: [{ merge }],
      template: {
        metadata: { name, annotations },
        spec: { project: 'default', destination: { server: 'https://1.2.3.4' } },
      },
    },
  });
  return generateApplications(set, { clusters, localCluster: false });
}

const docsExample = {
  mergeKeys: ['server'],
  generators: [
    { clusters: { values: { kafka: 'true', redis: 'false' } } },
    {
      clusters: { selector: { matchLabels: { 'use-kafka': 'false' } }, values: { kafka: 'false' } },
    },
    { list: { elements: [{ server: 'https://2.4.6.8', 'values.redis': 'true' }] } },
  ],
};

describe('merge generator', () => {
  test('docs example, default mode', async () => {
    const result = await run(docsExample, false, '{{name}}', {
      kafka: '{{values.kafka}}',
      redis: '{{values.redis}}',
    });
    expect(result.error).toBeUndefined();
    expect(result.applications.map((a) => [a.metadata.name, a.metadata.annotations])).toEqual([
      ['c1', { kafka: 'false', redis: 'false' }],
      ['c2', { kafka: 'true', redis: 'true' }],
    ]);
  });

  test('Go mode: maps merge key by key (mergo), the later generator wins', async () => {
    const merge = {
      mergeKeys: ['server'],
      generators: [
        { clusters: { values: { kafka: 'true', redis: 'false' } } },
        {
          list: {
            elements: [{ server: 'https://2.4.6.8', values: { redis: 'true' }, extra: 'x' }],
          },
        },
      ],
    };
    const result = await run(merge, true, '{{.name}}', {
      out: '{{.values.kafka}}-{{.values.redis}}-{{.extra}}',
    });
    expect(result.error).toBeUndefined();
    expect(result.applications.map((a) => a.metadata.annotations?.out)).toEqual([
      'true-false-<no value>',
      'true-true-x',
    ]);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'one generator',
      { mergeKeys: ['server'], generators: [{ clusters: {} }] },
      /^found less than two generators, Merge requires two or more$/,
    ],
    [
      'no merge keys',
      { mergeKeys: [], generators: [{ clusters: {} }, { clusters: {} }] },
      /^error getting param sets by merge key: no merge keys were specified, Merge requires at least one$/,
    ],
    [
      'duplicate keys',
      {
        mergeKeys: ['k'],
        generators: [{ list: { elements: [{ k: 'a' }, { k: 'a' }] } }, { clusters: {} }],
      },
      /^error getting param sets by merge key: the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique\. Duplicate key was \{"k":"a"\}$/,
    ],
    [
      'child error',
      {
        mergeKeys: ['k'],
        generators: [{ list: { elements: [{ k: 'a' }] } }, { list: { elements: [{ k: 2 }] } }],
      },
      /^error getting param sets from generators: error getting params from generator 2 of 2: child generator returned an error on parameter generation: error parsing value as string/,
    ],
  ])('error: %s', async (_name, merge, message) => {
    const result = await run(merge, false, 'x');
    expect(result.error).toMatch(message);
    expect(result.applications).toEqual([]);
  });
});
