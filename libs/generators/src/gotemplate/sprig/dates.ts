/**
 * Sprig's date.go: now, date, dateInZone, htmlDate, dateModify, toDate, unixEpoch, ago,
 * duration, durationRound. A time.Time travels as a Go object (see go-object.ts) whose methods
 * (Year, Unix, Format, UTC...) templates can call.
 */
import { signed, type GoTemplateFunction, type GoValue } from '../values';
import { goObjectOf, makeGoObject } from './go-object';
import {
  DAYS,
  MONTHS,
  UTC,
  durationString,
  fields,
  formatTime,
  loadLocation,
  parseDuration,
  roundToSecond,
  timeString,
  tokenizeLayout,
  type GoTime,
  type GoZone,
} from './go-time';

const TIME_TYPE = 'time.Time';

/** Seconds from Go's internal epoch (January 1, year 1) to the Unix epoch. */
const UNIX_TO_INTERNAL = 62_135_596_800n;

/**
 * Stands in for the address of a non-UTC *time.Location in `%d`-style struct printing; Go
 * prints a per-process heap address there. UTC times have a nil location, as in Go.
 */
const LOCATION_ADDRESS = 0xc000010000n;

const floorDiv = (a: bigint, b: bigint): bigint => (a % b < 0n ? a / b - 1n : a / b);

const none = { params: [] };

/** A GoTime from Unix nanoseconds. */
function fromUnixNano(n: bigint, zone: GoZone): GoTime {
  const ms = floorDiv(n, 1_000_000n);
  return { ms: Number(ms), ns: Number(n - ms * 1_000_000n), zone };
}

/** time.Time.GoString: `time.Date(2009, time.November, 10, 23, 0, 0, 0, time.UTC)`. */
function timeGoString(t: GoTime): string {
  const x = fields(t);
  const loc =
    t.zone.name === 'UTC' && t.zone.fixedOffset === undefined
      ? 'time.UTC'
      : `time.Location(${JSON.stringify(t.zone.name)})`;
  const month = formatTime(t, 'January');
  return `time.Date(${x.year}, time.${month}, ${x.day}, ${x.hour}, ${x.minute}, ${x.second}, ${x.nanos}, ${loc})`;
}

/** Wraps a GoTime as a template value with time.Time's methods. */
export function timeValue(t: GoTime): GoValue {
  const f = (): ReturnType<typeof fields> => fields(t);
  const unixNano = (): bigint => BigInt(t.ms) * 1_000_000n + BigInt(t.ns);
  const isUtc = t.zone.name === 'UTC' && t.zone.fixedOffset === undefined;
  return makeGoObject(
    { ...t },
    {
      typeName: TIME_TYPE,
      kind: 'struct',
      string: () => timeString(t),
      json: () => JSON.stringify(formatTime(t, '2006-01-02T15:04:05.999999999Z07:00')),
      equals: (o) => {
        const other = asTime(o);
        return (
          other !== undefined &&
          other.ms === t.ms &&
          other.ns === t.ns &&
          other.zone.name === t.zone.name
        );
      },
      goString: () => timeGoString(t),
      // Go's {wall ext loc} without a monotonic reading: nanoseconds, seconds since year 1, zone.
      fields: () => {
        const nanos = unixNano();
        const sec = floorDiv(nanos, 1_000_000_000n);
        return [
          { name: 'wall', type: 'uint64', value: nanos - sec * 1_000_000_000n },
          { name: 'ext', type: 'int64', value: sec + UNIX_TO_INTERNAL },
          { name: 'loc', type: '*time.Location', pointer: isUtc ? 0n : LOCATION_ADDRESS },
        ];
      },
      methods: {
        Year: signed(() => BigInt(f().year), none),
        Month: signed(() => formatTime(t, 'January'), none),
        Day: signed(() => BigInt(f().day), none),
        Hour: signed(() => BigInt(f().hour), none),
        Minute: signed(() => BigInt(f().minute), none),
        Second: signed(() => BigInt(f().second), none),
        Nanosecond: signed(() => BigInt(f().nanos), none),
        YearDay: signed(() => BigInt(f().yday), none),
        Weekday: signed(() => formatTime(t, 'Monday'), none),
        Unix: signed(() => BigInt(Math.floor(t.ms / 1000)), none),
        UnixMilli: signed(() => BigInt(Math.floor(t.ms)), none),
        UnixNano: signed(() => unixNano(), none),
        Format: signed((layout) => formatTime(t, layout as string), { params: ['string'] }),
        String: signed(() => timeString(t), none),
        UTC: signed(() => timeValue({ ...t, zone: UTC }), none),
        Local: signed(() => timeValue({ ...t, zone: UTC }), none),
        IsZero: signed(() => t.ms === ZERO_MS && t.ns === 0, none),
        Before: signed((o) => unixNano() < nanosOf(o), { params: ['interface'] }),
        After: signed((o) => unixNano() > nanosOf(o), { params: ['interface'] }),
        Equal: signed((o) => unixNano() === nanosOf(o), { params: ['interface'] }),
        // Add(d Duration): d in nanoseconds.
        Add: signed((d) => timeValue(fromUnixNano(unixNano() + (d as bigint), t.zone)), {
          params: ['int64'],
        }),
        AddDate: signed(
          (y, m, d) => {
            const x = f();
            const local = Date.UTC(
              x.year + Number(y),
              x.month - 1 + Number(m),
              x.day + Number(d),
              x.hour,
              x.minute,
              x.second,
            );
            return timeValue({ ...t, ms: local - x.offset * 1000 + (t.ms % 1000) });
          },
          { params: ['int', 'int', 'int'] },
        ),
      },
    },
  );
}

function nanosOf(o: GoValue): bigint {
  const t = asTime(o);
  if (!t) throw new Error('wrong type for value; expected time.Time');
  return BigInt(t.ms) * 1_000_000n + BigInt(t.ns);
}

/** The GoTime inside a time.Time value, or undefined. */
export function asTime(v: GoValue): GoTime | undefined {
  return goObjectOf(v)?.typeName === TIME_TYPE ? (v as unknown as GoTime) : undefined;
}

/** Go's zero time, 0001-01-01 00:00:00 UTC (Date.UTC would map year 1 to 1901). */
const ZERO_MS = ((): number => {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  return d.getTime();
})();
const zeroTime = (): GoTime => ({ ms: ZERO_MS, ns: 0, zone: UTC });

function parseError(value: string, layout: string, detail: string): Error {
  return new Error(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: ${detail}`);
}

/** time.ParseInLocation for the std chunks Sprig users write. */
export function parseTime(layout: string, value: string, loc: GoZone): GoTime {
  let rest = value;
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  for (const { std, text } of tokenizeLayout(layout)) {
    const fail = (): never => {
      throw parseError(
        value,
        layout,
        `cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(text)}`,
      );
    };
    if (!std) {
      if (!rest.startsWith(text)) fail();
      rest = rest.slice(text.length);
      continue;
    }
    const take = (re: RegExp): string => {
      const m = re.exec(rest);
      if (!m) return fail();
      rest = rest.slice(m[0].length);
      return m[0];
    };
    const num = (re: RegExp): number => Number(take(re).trim());
    const name = (list: readonly string[], short: boolean): number => {
      const i = list.findIndex((n) =>
        rest.toLowerCase().startsWith((short ? n.slice(0, 3) : n).toLowerCase()),
      );
      if (i < 0) fail();
      rest = rest.slice(short ? 3 : (list[i] as string).length);
      return i;
    };
    if (/^[.,]/.test(text)) {
      nanos = Number(
        take(/^[.,]\d+/)
          .slice(1)
          .padEnd(9, '0')
          .slice(0, 9),
      );
      continue;
    }
    switch (text) {
      case '2006':
        year = num(/^\d{4}/);
        break;
      case '06': {
        const y = num(/^\d{2}/);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case '01':
        month = num(/^\d{2}/);
        break;
      case '1':
        month = num(/^\d{1,2}/);
        break;
      case 'January':
        month = name(MONTHS, false) + 1;
        break;
      case 'Jan':
        month = name(MONTHS, true) + 1;
        break;
      case 'Monday':
        name(DAYS, false);
        break;
      case 'Mon':
        name(DAYS, true);
        break;
      case '02':
        day = num(/^\d{2}/);
        break;
      case '2':
        day = num(/^\d{1,2}/);
        break;
      case '_2':
        day = num(/^ ?\d{1,2}/);
        break;
      case '15':
        hour = num(/^\d{1,2}/);
        break;
      case '03':
        hour = num(/^\d{2}/);
        break;
      case '3':
        hour = num(/^\d{1,2}/);
        break;
      case '04':
        minute = num(/^\d{2}/);
        break;
      case '4':
        minute = num(/^\d{1,2}/);
        break;
      case '05':
        second = num(/^\d{2}/);
        break;
      case '5':
        second = num(/^\d{1,2}/);
        break;
      case 'PM':
      case 'pm':
        pm = take(/^[AaPp][Mm]/).toUpperCase() === 'PM';
        break;
      case 'MST': {
        const z = take(/^([A-Z]{3,5}|[+-]\d{2})/);
        if (z === 'UTC' || z === 'GMT') offset = 0;
        break;
      }
      default: {
        if (text.startsWith('Z') && rest.startsWith('Z')) {
          rest = rest.slice(1);
          offset = 0;
          break;
        }
        const m = take(/^[+-]\d{2}(:?\d{2})?(:?\d{2})?/).replace(/:/g, '');
        const sign = m.startsWith('-') ? -1 : 1;
        offset =
          sign *
          (Number(m.slice(1, 3)) * 3600 +
            Number(m.slice(3, 5) || 0) * 60 +
            Number(m.slice(5, 7) || 0));
      }
    }
    // Seconds may carry a fraction even when the layout has none.
    if ((text === '05' || text === '5') && /^[.,]\d/.test(rest) && !/[.,][09]/.test(layout)) {
      nanos = Number((/^[.,](\d+)/.exec(rest) as RegExpExecArray)[1]?.padEnd(9, '0').slice(0, 9));
      rest = rest.replace(/^[.,]\d+/, '');
    }
  }
  if (rest !== '')
    throw new Error(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(rest)}`);
  if (pm !== undefined) {
    if (hour > 12) throw parseError(value, layout, 'hour out of range');
    if (pm && hour < 12) hour += 12;
    if (!pm && hour === 12) hour = 0;
  }
  if (month < 1 || month > 12) throw parseError(value, layout, 'month out of range');
  const dim =
    new Date(Date.UTC(2000, month, 0)).getUTCDate() + (month === 2 && !isLeap(year) ? -1 : 0);
  if (day < 1 || day > dim) throw parseError(value, layout, 'day out of range');
  if (hour > 23) throw parseError(value, layout, 'hour out of range');
  if (minute > 59) throw parseError(value, layout, 'minute out of range');
  if (second > 59) throw parseError(value, layout, 'second out of range');
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, Math.floor(nanos / 1e6));
  const localMs = d.getTime();
  if (offset !== undefined) {
    return {
      ms: localMs - offset * 1000,
      ns: nanos % 1e6,
      zone: offset === 0 ? UTC : { name: '', fixedOffset: offset },
    };
  }
  return { ms: localMs, ns: nanos % 1e6, zone: loc };
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** The date functions, keyed by template name. */
export function dateFunctions(now: () => Date): Record<string, GoTemplateFunction> {
  const current = (): GoTime => ({ ms: now().getTime(), ns: 0, zone: UTC });
  const timeOf = (v: GoValue): GoTime => {
    const t = asTime(v);
    if (t) return t;
    if (typeof v === 'bigint') return { ms: Number(v) * 1000, ns: 0, zone: UTC };
    return current();
  };
  const inZone = (layout: string, v: GoValue, zone: string): string =>
    formatTime({ ...timeOf(v), zone: loadLocation(zone) ?? UTC }, layout);
  const requireTime = (v: GoValue): GoTime => {
    const t = asTime(v);
    if (!t) throw new Error('wrong type for value; expected time.Time');
    return t;
  };
  const modify = (d: GoValue, t: GoTime): GoValue => {
    const n = BigInt(t.ms) * 1_000_000n + BigInt(t.ns) + (d as bigint);
    return timeValue({ ms: Number(n / 1_000_000n), ns: Number(n % 1_000_000n), zone: t.zone });
  };
  const toDate = (layout: GoValue, value: GoValue): GoValue =>
    timeValue(parseTime(layout as string, value as string, UTC));
  const durationOf = (v: GoValue): bigint => {
    if (typeof v === 'string') {
      try {
        return parseDuration(v);
      } catch {
        return 0n;
      }
    }
    if (typeof v === 'bigint') return v;
    const t = asTime(v);
    return t ? BigInt(now().getTime() - t.ms) * 1_000_000n - BigInt(t.ns) : 0n;
  };
  const dateModify = signed(
    (d, t) => {
      try {
        return modify(parseDuration(d as string), requireTime(t));
      } catch {
        return t;
      }
    },
    { params: ['string', 'interface'] },
  );
  const mustDateModify = signed((d, t) => modify(parseDuration(d as string), requireTime(t)), {
    params: ['string', 'interface'],
  });
  const dateInZone = signed((l, v, z) => inZone(l as string, v, z as string), {
    params: ['string', 'interface', 'string'],
  });
  return {
    now: signed(() => timeValue(current()), { params: [] }),
    date: signed((l, v) => inZone(l as string, v, 'Local'), { params: ['string', 'interface'] }),
    dateInZone,
    date_in_zone: dateInZone,
    htmlDate: signed((v) => inZone('2006-01-02', v, 'Local'), { params: ['interface'] }),
    htmlDateInZone: signed((v, z) => inZone('2006-01-02', v, z as string), {
      params: ['interface', 'string'],
    }),
    dateModify,
    date_modify: dateModify,
    mustDateModify,
    must_date_modify: mustDateModify,
    toDate: signed(
      (l, v) => {
        try {
          return toDate(l, v);
        } catch {
          return timeValue(zeroTime());
        }
      },
      { params: ['string', 'string'] },
    ),
    mustToDate: signed(toDate, { params: ['string', 'string'] }),
    unixEpoch: signed((t) => String(Math.floor(requireTime(t).ms / 1000)), {
      params: ['interface'],
    }),
    ago: signed(
      (v) => {
        const t = timeOf(v);
        const since = BigInt(now().getTime() - t.ms) * 1_000_000n - BigInt(t.ns);
        return durationString(roundToSecond(since));
      },
      { params: ['interface'] },
    ),
    duration: signed(
      (v) => {
        let n = 0n;
        if (typeof v === 'string') n = /^[+-]?\d+$/.test(v) ? BigInt(v) : 0n;
        else if (typeof v === 'bigint') n = v;
        return durationString(BigInt.asIntN(64, n * 1_000_000_000n));
      },
      { params: ['interface'] },
    ),
    durationRound: signed((v) => durationRound(durationOf(v)), { params: ['interface'] }),
  };
}

function durationRound(d: bigint): string {
  const u = d < 0n ? -d : d;
  const second = 1_000_000_000n;
  const units: [bigint, string][] = [
    [second * 3600n * 24n * 365n, 'y'],
    [second * 3600n * 24n * 30n, 'm'],
    [second * 3600n * 24n, 'd'],
    [second * 3600n, 'h'],
    [second * 60n, 'm'],
    [second, 's'],
  ];
  for (const [size, suffix] of units) if (u > size) return `${u / size}${suffix}`;
  return '0s';
}
