import { argoFunctions } from '../argo-functions';
import { compileGoTemplate } from '../index';
import type { GoValue } from '../values';
import { FIXED_NOW, seededRandom } from './spec-support';
import { sprigFunctions } from './index';

// End-to-end through the Go template engine, as Argo CD renders ApplicationSet templates.
const funcs = {
  ...sprigFunctions({ now: () => FIXED_NOW, random: seededRandom() }),
  ...argoFunctions(),
};
const render = (text: string, data: GoValue = {}): string =>
  compileGoTemplate(text, { funcs }).execute(data);

const params = {
  name: 'Guestbook_App',
  branch: 'feature/JIRA-42_New.Thing',
  path: { basename: 'guestbook', path: 'apps/guestbook' },
  metadata: { labels: { env: 'prod', region: 'eu-west-1' } },
  replicas: 3,
  values: { image: { tag: '1.2.3' }, hosts: ['a.example.com', 'b.example.com'] },
};

describe('Sprig and Argo CD functions inside templates', () => {
  it.each<[string, string]>([
    ['{{ .name | lower | replace "_" "-" }}', 'guestbook-app'],
    ['{{ .name | normalize }}', 'guestbook-app'],
    ['{{ .branch | slugify 23 }}', 'feature-jira-42-new'],
    [
      '{{ printf "%s-%s" .path.basename .metadata.labels.env | trunc 63 | trimSuffix "-" }}',
      'guestbook-prod',
    ],
    ['{{ .metadata.labels.tier | default "web" }}', 'web'],
    ['{{ add .replicas 1 }}', '4'],
    ['{{ mul .replicas 2 | toString | quote }}', '"6"'],
    ['{{ .values.hosts | join "," }}', 'a.example.com,b.example.com'],
    [
      '{{ range $i, $h := .values.hosts }}{{ if $i }};{{ end }}{{ $h | upper }}{{ end }}',
      'A.EXAMPLE.COM;B.EXAMPLE.COM',
    ],
    [
      '{{ toYaml .values | nindent 2 }}',
      '\n  hosts:\n  - a.example.com\n  - b.example.com\n  image:\n    tag: 1.2.3',
    ],
    ['{{ toJson .metadata.labels }}', '{"env":"prod","region":"eu-west-1"}'],
    ['{{ $d := dict "a" 1 "b" "x" }}{{ $d.b }}{{ get $d "a" }}', 'x1'],
    ['{{ if semverCompare "^1.2.0" .values.image.tag }}compatible{{ end }}', 'compatible'],
    ['{{ regexReplaceAll "^apps/(.*)$" .path.path "svc-${1}" }}', 'svc-guestbook'],
    ['{{ (splitList "-" .metadata.labels.region) | last }}', '1'],
    ['{{ $s := split "/" .path.path }}{{ $s._0 }}', 'apps'],
    ['{{ .values.image.tag | b64enc | b64dec }}', '1.2.3'],
    ['{{ sha256sum "x" | trunc 8 }}', '2d711642'],
    ['{{ now | date "2006-01-02" }}', '2024-05-06'],
    ['{{ list 3 1 2 | sortAlpha | join "" }}', '123'],
    ['{{ ternary "yes" "no" (eq .metadata.labels.env "prod") }}', 'yes'],
    ['{{ coalesce .missing "" "fallback" }}', 'fallback'],
    ['{{ (fromYaml "a: {b: c}").a.b }}', 'c'],
    ['{{ fromYamlArray "[x, y]" | first }}', 'x'],
    ['{{ keys .metadata.labels | sortAlpha | join "," }}', 'env,region'],
    ['{{ pick .metadata.labels "env" | toJson }}', '{"env":"prod"}'],
    ['{{ hasKey .metadata.labels "env" }}', 'true'],
    ['{{ empty .missing }}', 'true'],
    ['{{ .replicas | float64 | addf 0.5 }}', '3.5'],
    ['{{ cat "a" .missing "b" }}', 'a b'],
  ])('%s', (text, expected) => {
    expect(render(text, params)).toBe(expected);
  });

  it.each<[string, string]>([
    ['{{ env "HOME" }}', 'function "env" not defined'],
    ['{{ expandenv "$HOME" }}', 'function "expandenv" not defined'],
    ['{{ getHostByName "localhost" }}', 'function "getHostByName" not defined'],
    ['{{ fail "no cluster" }}', 'error calling fail: no cluster'],
    ['{{ first "x" }}', 'error calling first: Cannot find first on type string'],
    ['{{ substr 0 3 }}', 'wrong number of args for substr: want 3 got 2'],
    ['{{ trunc 2.5 "abc" }}', 'expected integer; found 2.5'],
    [
      '{{ mustRegexFind "(" "x" }}',
      'error calling mustRegexFind: error parsing regexp: missing closing ): `(`',
    ],
    ['{{ fromYaml "- a" }}', 'error calling fromYaml: error unmarshaling JSON'],
  ])('%s fails as in Argo CD', (text, message) => {
    expect(() => render(text, params)).toThrow(message);
  });
});
