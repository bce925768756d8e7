import { replaceFast } from './fast-template';

// Cases from Argo CD's applicationset/utils/utils_test.go (TestRenderTemplateParams, Replace).
describe('fasttemplate Replace', () => {
  const params = {
    one: 'two',
    'path.basename': 'guestbook',
    'values.env': 'prod',
    num: 3 as unknown,
    nested: { a: 'b' } as unknown,
  };
  test.each([
    ['no template', 'plain', 'plain'],
    ['simple', '{{one}}', 'two'],
    ['spaces trimmed', '{{ one }}', 'two'],
    ['dotted key', 'app-{{path.basename}}-{{values.env}}', 'app-guestbook-prod'],
    ['missing key kept', '{{missing}}-x', '{{missing}}-x'],
    ['missing key keeps its spaces', '{{ missing }}', '{{ missing }}'],
    ['non-string value kept', '{{num}}', '{{num}}'],
    ['map value kept', '{{nested}}', '{{nested}}'],
    ['Go syntax is not fasttemplate', '{{.one}}', '{{.one}}'],
    ['empty tag kept', '{{}}', '{{}}'],
    ['several', '{{one}}{{one}}', 'twotwo'],
    ['extra closing brace', '{{one}}}', 'two}'],
    ['tags across lines are not templated', '{{one\n}}', '{{one\n}}'],
    ['one line templated makes the whole string templated', 'a {{one}}\n{{one\n}}', 'a two\ntwo'],
  ])('%s', (_name, source, expected) => {
    expect(replaceFast(source, params)).toBe(expected);
  });

  test('an unclosed tag in a templated string is an error', () => {
    expect(() => replaceFast('{{one}} {{two', params)).toThrow(
      /invalid template: Cannot find end tag="}}"/,
    );
  });

  test('an unclosed tag in a string that is not templated is left alone', () => {
    expect(replaceFast('only {{ opening', params)).toBe('only {{ opening');
  });
});
