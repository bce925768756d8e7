import { compileGoTemplate } from './index';
import { sprigFunctions } from './sprig/index';
import type { GoValue } from './values';

// Go struct values (time.Time, *semver.Version) end to end: the real Sprig table, a fixed clock.
const CLOCK = new Date('2026-11-28T03:04:05.123Z');
const funcs = sprigFunctions({ now: () => CLOCK });
const render = (text: string, data: GoValue = {}): string =>
  compileGoTemplate(text, { funcs }).execute(data);

describe('Go struct values in templates', () => {
  it.each<[string, string]>([
    ['{{ now | date "2006-01-02" }}', '2026-11-28'],
    ['{{ (now).Year }}', '2026'],
    ['{{ now.Year }}', '2026'],
    ['{{ with now }}{{ .Month }} {{ .Day }}{{ end }}', 'November 28'],
    ['{{ now.Format "2006-01-02T15:04:05Z07:00" }}', '2026-11-28T03:04:05Z'],
    ['{{ (now.Add 3600000000000).Hour }}', '4'],
    ['{{ now.UTC.Minute }}', '4'],
    ['{{ $d := dict "t" now }}{{ $d.t.Year }}', '2026'],
    // time.Time.String(), as Go prints a Stringer (no monotonic reading: the clock is injected).
    ['{{ now }}', '2026-11-28 03:04:05.123 +0000 UTC'],
    [
      '{{ toDate "2006-01-02T15:04:05.999999999Z07:00" "2026-11-28T03:04:05.000000006Z" }}',
      '2026-11-28 03:04:05.000000006 +0000 UTC',
    ],
    ['{{ toDate "2006-01-02" "2024-02-29" | date "Jan 2" }}', 'Feb 29'],
    ['{{ mustToDate "2006-01-02" "2024-02-29" | dateModify "24h" | date "Jan 2" }}', 'Mar 1'],
    ['{{ (semver "1.2.3-beta.1").Prerelease }}', 'beta.1'],
    ['{{ (semver "1.2.3").Major }}', '1'],
    ['{{ semver "v1.2" }}', '1.2.0'],
    ['{{ (semver "1.2.3").IncMinor }}', '1.3.0'],
    ['{{ ((semver "1.2.3").Compare (semver "1.3.0")) }}', '-1'],
    ['{{ if now }}yes{{ end }}', 'yes'],
    ['{{ if semver "0.0.0" }}yes{{ end }}', 'yes'],
    ['{{ not now }}', 'false'],
    ['{{ list now (semver "1.0.0") }}', '[2026-11-28 03:04:05.123 +0000 UTC 1.0.0]'],
    ['{{ dict "v" (semver "2.0.0") }}', 'map[v:2.0.0]'],
  ])('%s', (text, expected) => {
    expect(render(text)).toBe(expected);
  });

  it('calls methods of a time.Time passed in the data', () => {
    const data = { T: funcs['toDate']!('2006-01-02', '2024-02-29') };
    expect(render('{{ .T.Format "2006-01-02" }} {{ .T.YearDay }}', data)).toBe('2024-02-29 60');
  });

  it.each<[string, string]>([
    [
      '{{ printf "%T|%T|%T" now (semver "1.2.3") (semver "1.2.3").IncMinor }}',
      'time.Time|*semver.Version|semver.Version',
    ],
    [
      '{{ printf "%v|%s|%q" now (semver "1.2.3") (semver "1.2.3") }}',
      '2026-11-28 03:04:05.123 +0000 UTC|1.2.3|"1.2.3"',
    ],
    [
      '{{ printf "%x|%10s|%.4s" (semver "1.0.0") (semver "1.2.3") now }}',
      '312e302e30|     1.2.3|2026',
    ],
    ['{{ printf "%#v" now }}', 'time.Date(2026, time.November, 28, 3, 4, 5, 123000000, time.UTC)'],
    [
      '{{ printf "%#v" (semver "1.2.3") }}',
      '&semver.Version{major:0x1, minor:0x2, patch:0x3, pre:"", metadata:"", original:"1.2.3"}',
    ],
    ['{{ printf "%d" (semver "1.2.3") }}', '&{1 2 3 %!d(string=) %!d(string=) %!d(string=1.2.3)}'],
    // Go's {wall ext loc}: nanoseconds, seconds since January 1 year 1, and a nil *Location for UTC.
    ['{{ printf "%d" now }}', '{123000000 63931431845 0}'],
    [
      '{{ printf "%e" (toDate "2006" "2000") }}',
      '{%!e(uint64=0) %!e(int64=63082281600) %!e(*time.Location=<nil>)}',
    ],
  ])('fmt: %s', (text, expected) => {
    expect(render(text)).toBe(expected);
  });

  it.each<[string, string]>([
    ['{{ eq now now }}', 'true'],
    ['{{ eq (toDate "2006" "2000") (toDate "2006" "2001") }}', 'false'],
    ['{{ eq now nil }}', 'false'],
    // Pointers compare by identity, as Go's == on *semver.Version does.
    ['{{ $v := semver "1.0.0" }}{{ eq $v $v }} {{ eq $v (semver "1.0.0") }}', 'true false'],
    ['{{ eq (semver "1.0.0").IncMajor (semver "1.5.0").IncMajor }}', 'true'],
  ])('eq: %s', (text, expected) => {
    expect(render(text)).toBe(expected);
  });

  it.each<[string, string]>([
    ['{{ now.Foo }}', `executing "" at <now>: can't evaluate field Foo in type time.Time`],
    ['{{ (semver "1.2.3").Foo }}', "can't evaluate field Foo in type *semver.Version"],
    ['{{ now.UTC.Foo }}', "can't evaluate field Foo in type time.Time"],
    ['{{ $d := dict "t" now }}{{ $d.t.Foo }}', "can't evaluate field Foo in type interface {}"],
    ['{{ now.wall }}', 'wall is an unexported field of struct type time.Time'],
    ['{{ (semver "1.2.3").major }}', 'major is an unexported field of struct type *semver.Version'],
    ['{{ now.Year 1 }}', 'wrong number of args for Year: want 0 got 1'],
    ['{{ now.Format 1 }}', 'expected string; found 1'],
    ['{{ len now }}', 'error calling len: len of type time.Time'],
    ['{{ len (semver "1.0.0") }}', 'error calling len: len of type semver.Version'],
    ['{{ index now "x" }}', "error calling index: can't index item of type time.Time"],
    [
      '{{ index (semver "1.0.0") 0 }}',
      "error calling index: can't index item of type semver.Version",
    ],
    ['{{ range now }}{{ end }}', "range can't iterate over 2026-11-28 03:04:05.123 +0000 UTC"],
    [
      '{{ eq now (semver "1.0.0") }}',
      'non-comparable types 2026-11-28 03:04:05.123 +0000 UTC: time.Time, *semver.Version: 1.0.0',
    ],
    [
      '{{ eq now (dict) }}',
      'non-comparable types 2026-11-28 03:04:05.123 +0000 UTC: time.Time, map[string]interface {}: map[]',
    ],
    ['{{ lt now now }}', 'error calling lt: invalid type for comparison'],
    ['{{ upper now }}', 'wrong type for value; expected string; got time.Time'],
  ])('%s fails as in Go', (text, message) => {
    expect(() => render(text)).toThrow(message);
  });
});
