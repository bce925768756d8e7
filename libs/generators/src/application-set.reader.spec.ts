import { parseApplicationSet, readApplicationSet } from './application-set.reader';
import { ManifestError } from './errors';

const valid = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ApplicationSet',
  metadata: { name: 'set', namespace: 'argocd' },
  spec: {
    generators: [{ list: { elements: [{ cluster: 'a' }] } }],
    template: { metadata: { name: '{{cluster}}' }, spec: { project: 'default' } },
  },
};

function withSpec(patch: Record<string, unknown>): unknown {
  return { ...valid, spec: { ...valid.spec, ...patch } };
}

describe('reading an ApplicationSet: bad input names the field', () => {
  test.each<[string, unknown, string]>([
    ['not an object', 'hello', 'the manifest is not an object'],
    [
      'wrong kind',
      { ...valid, kind: 'Application' },
      'kind: expected "ApplicationSet", got "Application"',
    ],
    [
      'wrong apiVersion',
      { ...valid, apiVersion: 'argoproj.io/v1beta1' },
      'apiVersion: expected "argoproj.io/v1alpha1"',
    ],
    ['no name', { ...valid, metadata: {} }, 'metadata.name: Required value'],
    ['no spec', { ...valid, spec: undefined }, 'spec: Required value'],
    ['no template', withSpec({ template: undefined }), 'spec.template: Required value'],
    ['unknown spec field', withSpec({ generator: [] }), 'unknown field "spec.generator"'],
    [
      'generators not a list',
      withSpec({ generators: { list: {} } }),
      'spec.generators: expected an array',
    ],
    [
      'elements not a list',
      withSpec({ generators: [{ list: { elements: 'a' } }] }),
      'spec.generators[0].list.elements: expected an array',
    ],
    [
      'unknown generator',
      withSpec({ generators: [{ lists: {} }] }),
      'spec.generators[0]: unknown generator "lists"',
    ],
    [
      'unsupported generator',
      withSpec({ generators: [{ scmProvider: {} }] }),
      'spec.generators[0].scmProvider: the scmProvider generator is not supported',
    ],
    [
      'empty generator',
      withSpec({ generators: [{}] }),
      'spec.generators[0]: a generator needs one of',
    ],
    [
      'two generators in one entry',
      withSpec({ generators: [{ list: { elements: [] }, clusters: {} }] }),
      'more than one generator in one entry: list, clusters',
    ],
    [
      'unknown list field',
      withSpec({ generators: [{ list: { element: [] } }] }),
      'unknown field "spec.generators[0].list.element"',
    ],
    [
      'goTemplate not a bool',
      withSpec({ goTemplate: 'true' }),
      'spec.goTemplate: expected a boolean',
    ],
    [
      'goTemplateOptions not strings',
      withSpec({ goTemplateOptions: [1] }),
      'spec.goTemplateOptions[0]: expected a string',
    ],
    [
      'cluster values not strings',
      withSpec({ generators: [{ clusters: { values: { replicas: 3 } } }] }),
      'spec.generators[0].clusters.values.replicas: expected a string',
    ],
    [
      'git without repoURL',
      withSpec({ generators: [{ git: { directories: [{ path: '*' }] } }] }),
      'spec.generators[0].git.repoURL: Required value',
    ],
    [
      'git directory exclude not a bool',
      withSpec({
        generators: [{ git: { repoURL: 'r', directories: [{ path: '*', exclude: 'yes' }] } }],
      }),
      'spec.generators[0].git.directories[0].exclude: expected a boolean',
    ],
    [
      'matrix child unknown',
      withSpec({
        generators: [{ matrix: { generators: [{ foo: {} }, { list: { elements: [] } }] } }],
      }),
      'spec.generators[0].matrix.generators[0]: unknown generator "foo"',
    ],
    [
      'merge keys not strings',
      withSpec({ generators: [{ merge: { mergeKeys: [1], generators: [] } }] }),
      'spec.generators[0].merge.mergeKeys[0]: expected a string',
    ],
    [
      'selector operator',
      withSpec({
        generators: [
          {
            list: { elements: [] },
            selector: { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] },
          },
        ],
      }),
      'spec.generators[0].selector.matchExpressions[0].operator: "in" is not a valid label selector operator',
    ],
    [
      'clusters selector value (the cluster generator checks label values)',
      withSpec({
        generators: [{ clusters: { selector: { matchLabels: { server: 'https://x' } } } }],
      }),
      'spec.generators[0].clusters.selector.matchLabels["server"]: invalid label value "https://x"',
    ],
    [
      'template metadata field',
      withSpec({ template: { metadata: { generateName: 'x' }, spec: {} } }),
      'unknown field "spec.template.metadata.generateName"',
    ],
    [
      'template labels not strings',
      withSpec({ template: { metadata: { labels: { a: 1 } }, spec: {} } }),
      'spec.template.metadata.labels.a: expected a string',
    ],
    [
      'templatePatch not a string',
      withSpec({ templatePatch: { spec: {} } }),
      'spec.templatePatch: expected a string',
    ],
  ])('%s', (_name, manifest, message) => {
    const read = (): unknown => readApplicationSet(manifest);
    expect(read).toThrow(ManifestError);
    expect(read).toThrow(message);
  });

  test('a generator selector may match values that are not label values (server URLs)', () => {
    const set = readApplicationSet(
      withSpec({
        generators: [
          {
            list: { elements: [] },
            selector: { matchLabels: { server: 'https://kubernetes.default.svc' } },
          },
        ],
      }),
    );
    expect(set.generators).toHaveLength(1);
  });

  test('a valid manifest is read', () => {
    const set = readApplicationSet(valid);
    expect(set).toMatchObject({
      name: 'set',
      namespace: 'argocd',
      goTemplate: false,
      goTemplateOptions: [],
    });
    expect(set.generators).toHaveLength(1);
  });

  test('YAML with two documents is refused', () => {
    expect(() => parseApplicationSet('a: 1\n---\nb: 2\n')).toThrow(
      'expected one ApplicationSet document, found 2',
    );
  });

  test('YAML 1.1 scalars decode as kubectl decodes them', () => {
    const set = parseApplicationSet(`
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: s}
spec:
  goTemplate: yes
  generators: []
  template: {metadata: {}, spec: {}}
`);
    expect(set.goTemplate).toBe(true);
  });
});
