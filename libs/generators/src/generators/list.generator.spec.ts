import { generateApplications } from '../application-set.generator';
import { parseApplicationSet } from '../application-set.reader';

// The List generator page of Argo CD's docs (Generators-List.md) and list_test.go.
const manifest = (generator: string, name: string, opts = ''): string => `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: guestbook, namespace: argocd}
spec:
${opts}
  generators:
  - list:
${generator}
  template:
    metadata:
      name: '${name}'
    spec:
      project: my-project
      source:
        repoURL: https://github.com/infra-team/cluster-deployments.git
        targetRevision: HEAD
        path: guestbook
      destination:
        server: https://kubernetes.default.svc
        namespace: guestbook
`;

const docsElements = `      elements:
      - cluster: engineering-dev
        url: https://kubernetes.default.svc
      - cluster: engineering-prod
        url: https://kubernetes.default.svc
        values:
          additional: prod-extra`;

async function run(generator: string, name: string, opts = '') {
  return generateApplications(parseApplicationSet(manifest(generator, name, opts)));
}

describe('list generator', () => {
  test.each<[string, string, string, string, string[]]>([
    [
      'default mode',
      docsElements,
      '{{cluster}}-guestbook',
      '',
      ['engineering-dev-guestbook', 'engineering-prod-guestbook'],
    ],
    [
      'default mode values.*',
      docsElements,
      '{{cluster}}-{{values.additional}}',
      '',
      ['engineering-prod-prod-extra'],
    ],
    [
      'Go mode',
      docsElements,
      '{{.cluster}}-guestbook',
      '  goTemplate: true',
      ['engineering-dev-guestbook', 'engineering-prod-guestbook'],
    ],
    [
      'Go mode nested values',
      docsElements,
      '{{.cluster}}{{with .values}}-{{.additional}}{{end}}',
      '  goTemplate: true',
      ['engineering-dev', 'engineering-prod-prod-extra'],
    ],
    [
      'Go mode sprig and normalize',
      '      elements:\n      - {a: My_App}',
      '{{ .a | normalize }}-{{ lower "X" }}',
      '  goTemplate: true',
      ['my-app-x'],
    ],
    [
      'elementsYaml is appended',
      `${docsElements}\n      elementsYaml: |\n        - cluster: extra`,
      '{{cluster}}',
      '',
      ['engineering-dev', 'engineering-prod', 'extra'],
    ],
    [
      'elementsYaml in Go mode',
      '      elementsYaml: |\n        - {cluster: a, num: 1}\n        - {cluster: b, num: 2}',
      '{{.cluster}}-{{.num}}',
      '  goTemplate: true',
      ['a-1', 'b-2'],
    ],
  ])('%s', async (_name, generator, name, opts, expected) => {
    const result = await run(generator, name, opts);
    expect(result.error).toBeUndefined();
    expect(result.applications.map((a) => a.metadata.name)).toEqual(expected);
  });

  test.each<[string, string, string, string, RegExp]>([
    [
      'non-string value in default mode',
      '      elements:\n      - {cluster: a, replicas: 3}',
      '{{cluster}}',
      '',
      /^error parsing value as string/,
    ],
    [
      'values not a map in default mode',
      '      elements:\n      - {cluster: a, values: x}',
      '{{cluster}}',
      '',
      /^error parsing values map$/,
    ],
    [
      'element not an object',
      '      elements:\n      - just-a-string',
      '{{cluster}}',
      '',
      /cannot unmarshal string into Go value of type map\[string\]interface \{\}/,
    ],
    [
      'missingkey=error',
      '      elements:\n      - {a: x}',
      '{{.b}}',
      '  goTemplate: true\n  goTemplateOptions: ["missingkey=error"]',
      /^failed to execute go template \{\{\.b\}\}: .*map has no entry for key "b"/,
    ],
    [
      'invalid Go template',
      '      elements:\n      - {a: x}',
      '{{.a',
      '  goTemplate: true',
      /^failed to parse template \{\{\.a: /,
    ],
    [
      'unclosed fasttemplate tag',
      '      elements:\n      - {a: x}',
      '{{a}}-{{a',
      '',
      /^invalid template: Cannot find end tag/,
    ],
  ])('error: %s', async (_name, generator, name, opts, message) => {
    const result = await run(generator, name, opts);
    expect(result.applications).toEqual([]);
    expect(result.error).toMatch(message);
  });

  // Go-mode output goes into an annotation: these strings are not valid Application names.
  test.each<[string, string, string, string]>([
    [
      'numbers are float64, printed with %v',
      '{num: 3, big: 1000000, r: 1.5}',
      '{{.num}} {{.big}} {{.r}}',
      '3 1e+06 1.5',
    ],
    ['a missing key prints <no value>', '{a: x}', '{{.a}}-{{.b}}', 'x-<no value>'],
    [
      'YAML 1.1: n is false and a y key is "true", like go-yaml v2',
      '{x: n, y: yes}',
      '{{.x}} {{.true}}',
      'false true',
    ],
    ['nested maps', '{a: {b: {c: deep}}}', '{{.a.b.c}}', 'deep'],
    ['lists', '{l: [one, two]}', '{{index .l 1}} {{len .l}}', 'two 2'],
    ['toJson of an element', '{a: 1, b: [x]}', '{{ toJson . }}', '{"a":1,"b":["x"]}'],
  ])('Go mode: %s', async (_name, element, expr, out) => {
    const text = manifest(
      `      elements:\n      - ${element}`,
      'app',
      '  goTemplate: true',
    ).replace("      name: 'app'", `      name: 'app'\n      annotations:\n        out: '${expr}'`);
    const result = await generateApplications(parseApplicationSet(text));
    expect(result.error).toBeUndefined();
    expect(result.applications[0]?.metadata.annotations?.out).toBe(out);
  });

  test('params before templating (default mode flattens values, Go mode keeps the element)', async () => {
    expect((await run(docsElements, '{{cluster}}')).params).toEqual([
      { cluster: 'engineering-dev', url: 'https://kubernetes.default.svc' },
      {
        cluster: 'engineering-prod',
        url: 'https://kubernetes.default.svc',
        'values.additional': 'prod-extra',
      },
    ]);
    expect((await run(docsElements, '{{.cluster}}', '  goTemplate: true')).params[1]).toEqual({
      cluster: 'engineering-prod',
      url: 'https://kubernetes.default.svc',
      values: { additional: 'prod-extra' },
    });
  });

  test('an empty element renders the template untouched, without the finalizer (Argo CD skips empty params)', async () => {
    const result = await run('      elements:\n      - {}', 'fixed');
    expect(result.applications).toHaveLength(1);
    expect(result.applications[0]?.metadata.finalizers).toBeUndefined();
  });
});
