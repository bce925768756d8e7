import type { GoValue } from '../values';
import { goObjectOf } from './go-object';
import { durationString, formatTime, parseDuration, UTC } from './go-time';
import { caller, testFunctions } from './spec-support';

const call = caller(testFunctions());
const method = (v: GoValue, name: string, ...args: GoValue[]): GoValue => {
  const m = goObjectOf(v)?.methods[name];
  if (!m) throw new Error(`no method ${name}`);
  return m(...args);
};

describe('Go time layouts', () => {
  const t = { ms: Date.UTC(2009, 0, 6, 8, 40, 31, 123), ns: 456, zone: UTC };
  it.each<[string, string]>([
    ['2006-01-02T15:04:05Z07:00', '2009-01-06T08:40:31Z'],
    ['Mon Jan _2 15:04:05 MST 2006', 'Tue Jan  6 08:40:31 UTC 2009'],
    ['Monday, 02-Jan-06 15:04:05 -0700', 'Tuesday, 06-Jan-09 08:40:31 +0000'],
    ['3:04PM', '8:40AM'],
    ['03:04:05 pm', '08:40:31 am'],
    ['2006-01-02 15:04:05.000', '2009-01-06 08:40:31.123'],
    ['15:04:05.999999999', '08:40:31.123000456'],
    ['15:04:05.000000', '08:40:31.123000'],
    ['January 2, 2006 (002)', 'January 6, 2009 (006)'],
    ['Z0700 -07:00 -07', 'Z +00:00 +00'],
  ])('formats %p', (layout, expected) => {
    expect(formatTime(t, layout)).toBe(expected);
  });

  it('formats in IANA zones', () => {
    expect(formatTime({ ...t, zone: { name: 'Europe/Berlin' } }, '2006-01-02 15:04 -0700')).toBe(
      '2009-01-06 09:40 +0100',
    );
    expect(formatTime({ ...t, zone: { name: 'America/New_York' } }, '15:04 MST')).toBe('03:40 EST');
  });

  it.each<[string, bigint]>([
    ['1h2m3.5s', 3_723_500_000_000n],
    ['-1.5h', -5_400_000_000_000n],
    ['300ms', 300_000_000n],
    ['1µs', 1000n],
    ['0', 0n],
  ])('parses duration %p', (s, ns) => {
    expect(parseDuration(s)).toBe(ns);
  });

  it.each<[string, string]>([
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1', 'time: missing unit in duration "1"'],
    ['', 'time: invalid duration ""'],
    ['h', 'time: invalid duration "h"'],
  ])('rejects duration %p', (s, message) => {
    expect(() => parseDuration(s)).toThrow(message);
  });

  it.each<[bigint, string]>([
    [0n, '0s'],
    [1n, '1ns'],
    [1500n, '1.5µs'],
    [2_000_000n, '2ms'],
    [61_000_000_000n, '1m1s'],
    [3_723_500_000_000n, '1h2m3.5s'],
    [-90_000_000_000n, '-1m30s'],
  ])('prints duration %p', (d, s) => {
    expect(durationString(d)).toBe(s);
  });
});

describe('sprig date functions', () => {
  it.each<[string, GoValue[], GoValue]>([
    // date_test.go
    ['date', ['2006-01-02', 1231231231n], '2009-01-06'],
    ['dateInZone', ['02 Jan 06 15:04 -0700', 1231231231n, 'UTC'], '06 Jan 09 08:40 +0000'],
    [
      'dateInZone',
      ['02 Jan 06 15:04 -0700', 1231231231n, 'Europe/Berlin'],
      '06 Jan 09 09:40 +0100',
    ],
    ['dateInZone', ['15:04', 1231231231n, 'Not/AZone'], '08:40'],
    ['date_in_zone', ['2006', 1231231231n, 'UTC'], '2009'],
    ['htmlDate', [1231231231n], '2009-01-06'],
    ['htmlDateInZone', [1231231231n, 'Asia/Tokyo'], '2009-01-06'],
    ['date', ['2006-01-02T15:04:05Z07:00', 'not a time'], '2024-05-06T07:08:09Z'],
    ['date', ['2006', 1.5], '2024'],
    ['duration', ['61'], '1m1s'],
    ['duration', [3600n], '1h0m0s'],
    ['duration', ['x'], '0s'],
    ['duration', [1.5], '0s'],
    ['durationRound', ['2h10m5s'], '2h'],
    ['durationRound', ['1h'], '60m'],
    ['durationRound', ['30s'], '30s'],
    ['durationRound', ['1s'], '0s'],
    ['durationRound', [86_400_000_000_000n * 400n], '1y'],
    ['durationRound', [86_400_000_000_000n * 45n], '1m'],
    ['durationRound', ['-3h1m'], '3h'],
    ['durationRound', ['bad'], '0s'],
    ['ago', [1714979289n - 3600n], '1h0m0s'],
    ['ago', [1714979289n], '0s'],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toBe(expected);
  });

  it('now is the injected clock, as a time.Time with methods', () => {
    const now = call('now');
    expect(goObjectOf(now)?.typeName).toBe('time.Time');
    expect(goObjectOf(now)?.string()).toBe('2024-05-06 07:08:09 +0000 UTC');
    expect(call('date', '2006-01-02T15:04:05Z07:00', now)).toBe('2024-05-06T07:08:09Z');
    expect(method(now, 'Year')).toBe(2024n);
    expect(method(now, 'Month')).toBe('May');
    expect(method(now, 'Weekday')).toBe('Monday');
    expect(method(now, 'Unix')).toBe(1714979289n);
    expect(method(now, 'Format', 'Jan 2')).toBe('May 6');
    expect(call('unixEpoch', now)).toBe('1714979289');
    expect(call('ago', now)).toBe('0s');
    expect(call('empty', now)).toBe(false);
    expect(call('toJson', now)).toBe('"2024-05-06T07:08:09Z"');
    expect(call('kindOf', now)).toBe('struct');
  });

  it('dateModify adds a duration; mustDateModify reports bad ones', () => {
    const now = call('now');
    expect(call('date', '15:04:05', call('dateModify', '-1.5h', now))).toBe('05:38:09');
    expect(call('date', '15:04:05', call('date_modify', '10m', now))).toBe('07:18:09');
    expect(call('dateModify', 'nonsense', now)).toBe(now);
    expect(() => call('mustDateModify', 'nonsense', now)).toThrow(
      'time: invalid duration "nonsense"',
    );
    expect(() => call('must_date_modify', '1h', 'str')).toThrow(
      'wrong type for value; expected time.Time',
    );
  });

  it('toDate parses Go layouts; failures give the zero time or an error', () => {
    expect(call('unixEpoch', call('toDate', '2006-01-02', '2017-12-31'))).toBe('1514678400');
    expect(
      call(
        'date',
        '2006-01-02 15:04:05 -0700',
        call('toDate', '2006-01-02T15:04:05Z07:00', '2020-02-29T23:59:58+02:00'),
      ),
    ).toBe('2020-02-29 21:59:58 +0000');
    expect(
      call('date', 'Jan 2 3:04PM', call('mustToDate', 'Jan 2 2006 3:04PM', 'Mar 15 2021 4:05PM')),
    ).toBe('Mar 15 4:05PM');
    expect(goObjectOf(call('toDate', '2006-01-02', 'garbage'))?.string()).toBe(
      '0001-01-01 00:00:00 +0000 UTC',
    );
    expect(
      goObjectOf(call('toDate', '2006-01-02 15:04 -0700', '2020-01-02 03:04 +0200'))?.string(),
    ).toBe('2020-01-02 03:04:00 +0200 +0200');
    expect(method(call('toDate', '2006-01-02', 'garbage'), 'IsZero')).toBe(true);
    expect(() => call('mustToDate', '2006-01-02', 'garbage')).toThrow(
      'parsing time "garbage" as "2006-01-02": cannot parse "garbage" as "2006"',
    );
    expect(() => call('mustToDate', '2006-01-02', '2017-13-01')).toThrow('month out of range');
    expect(() => call('mustToDate', '2006-01-02', '2017-02-30')).toThrow('day out of range');
    expect(() => call('mustToDate', '2006-01-02', '2017-01-02x')).toThrow('extra text: "x"');
  });
});
