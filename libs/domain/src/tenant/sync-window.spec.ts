import { activeUntil, activeWindows, canSync, windowApplies } from './sync-window';
import { parseGoDuration } from './go-duration';
import { syncWindowSchema, type SyncWindow } from './tenant-spec.schema';

const window = (
  w: Partial<SyncWindow> & Pick<SyncWindow, 'kind' | 'schedule' | 'duration'>,
): SyncWindow => syncWindowSchema.parse({ applications: ['*'], ...w });
const at = (iso: string): Date => new Date(iso);
const target = {
  application: 'web',
  cluster: { name: 'prod-eu', server: 'https://prod-eu.example.com' },
  namespace: 'team-a-web',
};

describe('sync windows: when a window is active', () => {
  const overnight = window({ kind: 'deny', schedule: '0 22 * * *', duration: '4h' });
  const nyBusinessHours = window({
    kind: 'allow',
    schedule: '0 9 * * 1-5',
    duration: '8h',
    timeZone: 'America/New_York',
  });
  const berlinMorning = window({
    kind: 'deny',
    schedule: '0 9 * * *',
    duration: '1h',
    timeZone: 'Europe/Berlin',
  });
  const berlinSkipped = window({
    kind: 'deny',
    schedule: '30 2 * * *',
    duration: '1h',
    timeZone: 'Europe/Berlin',
  });
  const berlinAcrossChange = window({
    kind: 'deny',
    schedule: '30 1 * * *',
    duration: '2h',
    timeZone: 'Europe/Berlin',
  });
  const longerThanPeriod = window({ kind: 'allow', schedule: '0 * * * *', duration: '90m' });

  it.each<[string, SyncWindow, string, boolean]>([
    ['before the start', overnight, '2024-05-01T21:59:59Z', false],
    ['at the start (inclusive)', overnight, '2024-05-01T22:00:00Z', true],
    ['across midnight', overnight, '2024-05-02T01:59:59Z', true],
    ['at the end (exclusive)', overnight, '2024-05-02T02:00:00Z', false],
    ['in the zone: 09:30 EDT on a Monday', nyBusinessHours, '2024-03-11T13:30:00Z', true],
    [
      'in the zone: 08:30 EDT (would be active if read as UTC)',
      nyBusinessHours,
      '2024-03-11T12:30:00Z',
      false,
    ],
    ['in the zone: Saturday', nyBusinessHours, '2024-03-16T14:00:00Z', false],
    [
      'DST: 09:00 CET is 08:00Z the day before the change',
      berlinMorning,
      '2024-03-30T08:30:00Z',
      true,
    ],
    [
      'DST: 09:00 CEST is 07:00Z the day of the change',
      berlinMorning,
      '2024-03-31T07:30:00Z',
      true,
    ],
    ['DST: 08:30Z is 10:30 CEST, after the window', berlinMorning, '2024-03-31T08:30:00Z', false],
    [
      'DST: a start in the skipped hour does not happen that day',
      berlinSkipped,
      '2024-03-31T01:10:00Z',
      false,
    ],
    [
      'DST: the next day it does (02:30 CEST = 00:30Z)',
      berlinSkipped,
      '2024-04-01T00:45:00Z',
      true,
    ],
    [
      'DST: the duration is elapsed time across the change',
      berlinAcrossChange,
      '2024-03-31T02:29:00Z',
      true,
    ],
    [
      'DST: and ends two real hours after the start',
      berlinAcrossChange,
      '2024-03-31T02:30:00Z',
      false,
    ],
    [
      'a duration longer than the period keeps it open',
      longerThanPeriod,
      '2024-05-01T10:59:00Z',
      true,
    ],
  ])('%s', (_name, w, when, expected) => {
    expect(activeUntil(w, at(when)) !== undefined).toBe(expected);
  });

  it('returns the active windows and when they close', () => {
    expect(activeWindows([overnight, nyBusinessHours], at('2024-05-01T23:00:00Z'))).toEqual([
      overnight,
    ]);
    expect(activeUntil(overnight, at('2024-05-01T23:00:00Z'))).toEqual(at('2024-05-02T02:00:00Z'));
  });
});

describe('sync windows: which windows apply (Argo CD SyncWindows.Matches)', () => {
  it.each<[string, Partial<SyncWindow>, boolean]>([
    ['application glob', { applications: ['we*'] }, true],
    ['application glob miss', { applications: ['api-*'] }, false],
    ['cluster name glob', { applications: [], clusters: ['prod-*'] }, true],
    ['cluster server glob', { applications: [], clusters: ['https://prod-*'] }, true],
    ['namespace glob', { applications: [], namespaces: ['team-a-*'] }, true],
    [
      'any list may match',
      { applications: ['api'], clusters: ['dev-*'], namespaces: ['team-a-web'] },
      true,
    ],
    ['none matches', { applications: ['api'], clusters: ['dev-*'], namespaces: ['other'] }, false],
  ])('%s', (_name, lists, expected) => {
    expect(
      windowApplies(
        window({ kind: 'deny', schedule: '0 0 * * *', duration: '1h', ...lists }),
        target,
      ),
    ).toBe(expected);
  });
});

describe('canSync (Argo CD SyncWindows.CanSync)', () => {
  const alwaysAllow = window({ kind: 'allow', schedule: '0 * * * *', duration: '1h' });
  const noonDeny = window({ kind: 'deny', schedule: '0 12 * * *', duration: '1h' });
  const noonDenyManual = window({
    kind: 'deny',
    schedule: '0 12 * * *',
    duration: '2h',
    manualSync: true,
  });
  const morningAllow = window({ kind: 'allow', schedule: '0 9 * * *', duration: '1h' });
  const morningAllowManual = window({
    kind: 'allow',
    schedule: '0 9 * * *',
    duration: '30m',
    manualSync: true,
  });
  const otherApp = window({
    kind: 'deny',
    schedule: '0 * * * *',
    duration: '1h',
    applications: ['api'],
  });

  it.each<[string, SyncWindow[], string, boolean, boolean, SyncWindow | undefined, string]>([
    [
      'no windows',
      [],
      '2024-05-01T12:30:00Z',
      false,
      true,
      undefined,
      'no sync window applies to application web',
    ],
    [
      'windows for other applications only',
      [otherApp],
      '2024-05-01T12:30:00Z',
      false,
      true,
      undefined,
      'no sync window applies',
    ],
    [
      'active deny beats active allow',
      [alwaysAllow, noonDeny],
      '2024-05-01T12:30:00Z',
      false,
      false,
      noonDeny,
      'deny window "0 12 * * *" (1h, UTC) is active until 2024-05-01T13:00:00.000Z',
    ],
    [
      'after the deny, the allow window allows',
      [alwaysAllow, noonDeny],
      '2024-05-01T13:30:00Z',
      false,
      true,
      alwaysAllow,
      'allow window "0 * * * *" (1h, UTC) is active',
    ],
    [
      'manual sync through a manualSync deny window',
      [noonDenyManual],
      '2024-05-01T12:30:00Z',
      true,
      true,
      noonDenyManual,
      'manual sync permitted during deny window',
    ],
    [
      'automatic sync still blocked by it',
      [noonDenyManual],
      '2024-05-01T12:30:00Z',
      false,
      false,
      noonDenyManual,
      'is active until 2024-05-01T14:00:00.000Z',
    ],
    [
      'manual blocked when one active deny lacks manualSync',
      [noonDenyManual, noonDeny],
      '2024-05-01T12:30:00Z',
      true,
      false,
      noonDeny,
      'deny window "0 12 * * *" (1h, UTC) is active',
    ],
    [
      'allow windows exist but none is active',
      [morningAllow],
      '2024-05-01T12:30:00Z',
      false,
      false,
      morningAllow,
      'no allow window is active (allow window "0 9 * * *" (1h, UTC) is closed)',
    ],
    [
      'manual sync outside manualSync allow windows',
      [morningAllowManual],
      '2024-05-01T12:30:00Z',
      true,
      true,
      morningAllowManual,
      'manual sync permitted outside the allow windows',
    ],
    [
      'manual blocked when one inactive allow lacks manualSync',
      [morningAllowManual, morningAllow],
      '2024-05-01T12:30:00Z',
      true,
      false,
      morningAllow,
      'no allow window is active',
    ],
    [
      'inside the allow window',
      [morningAllow],
      '2024-05-01T09:59:00Z',
      false,
      true,
      morningAllow,
      'is active until 2024-05-01T10:00:00.000Z',
    ],
    [
      'only inactive deny windows',
      [noonDeny],
      '2024-05-01T15:00:00Z',
      false,
      true,
      undefined,
      'no deny window is active',
    ],
  ])('%s', (_name, windows, when, manual, allowed, decidingWindow, reason) => {
    const decision = canSync({ ...target, windows, at: at(when), manual });
    expect(decision.allowed).toBe(allowed);
    expect(decision.window).toBe(decidingWindow);
    expect(decision.reason).toContain(reason);
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['1h30m', 5_400_000],
    ['90m', 5_400_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1h0m0s', 3_600_000],
    ['250ms', 250],
    ['1500us', 1.5],
    ['2µs', 0.002],
    ['0', 0],
    ['-1m', -60_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['1', 'time: missing unit in duration "1"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['h', 'time: invalid duration "h"'],
    ['1h 30m', 'time: unknown unit "h " in duration "1h 30m"'],
    ['.h', 'time: invalid duration ".h"'],
  ])('refuses %j', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(message);
  });
});
