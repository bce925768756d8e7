/**
 * Go's time package for templates: an instant with a location, layout-based Format and Parse
 * ("2006-01-02T15:04:05Z07:00"), and Duration parsing and printing ("1h2m3.5s").
 * Precision is milliseconds plus a nanosecond remainder; "Local" is UTC (Argo CD's controller
 * image runs in UTC).
 */

export interface GoZone {
  /** IANA name ("UTC", "Europe/Berlin") or a fixed zone ("" name with an offset). */
  name: string;
  fixedOffset?: number;
  fixedAbbrev?: string;
}

export interface GoTime {
  /** Unix milliseconds. */
  ms: number;
  /** Nanoseconds within the millisecond (0..999999). */
  ns: number;
  zone: GoZone;
}

export const UTC: GoZone = { name: 'UTC' };

/** Go's weekday names (`time.Weekday.String`), Sunday first. */
export const DAYS: readonly string[] = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];
/** Go's month names (`time.Month.String`), January first. */
export const MONTHS: readonly string[] = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** time.LoadLocation: undefined when unknown. */
export function loadLocation(name: string): GoZone | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return UTC;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return { name };
  } catch {
    return undefined;
  }
}

/** Offset (seconds east of UTC) and abbreviation of a zone at an instant. */
export function zoneAt(zone: GoZone, ms: number): { offset: number; abbrev: string } {
  // Go prints a nameless fixed zone's MST as its offset ("+0200").
  if (zone.fixedOffset !== undefined) {
    return {
      offset: zone.fixedOffset,
      abbrev: zone.fixedAbbrev ?? formatOffset(zone.fixedOffset, false, false),
    };
  }
  if (zone.name === 'UTC') return { offset: 0, abbrev: 'UTC' };
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone.name,
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(ms));
  const off = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(off);
  const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
  const short = new Intl.DateTimeFormat('en-US', { timeZone: zone.name, timeZoneName: 'short' })
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')?.value;
  const abbrev =
    short && /^[A-Z]{3,5}$/.test(short)
      ? short
      : formatOffset(offset, false, false).replace(/00$/, '');
  return { offset, abbrev };
}

function formatOffset(offset: number, colon: boolean, seconds: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const p = (n: number): string => String(n).padStart(2, '0');
  const sep = colon ? ':' : '';
  return `${sign}${p(Math.floor(a / 3600))}${sep}${p(Math.floor((a % 3600) / 60))}${seconds ? sep + p(a % 60) : ''}`;
}

/** Calendar fields of a time in its own zone. */
export function fields(t: GoTime): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number;
  yday: number;
  offset: number;
  abbrev: string;
} {
  const { offset, abbrev } = zoneAt(t.zone, t.ms);
  const d = new Date(t.ms + offset * 1000);
  const year = d.getUTCFullYear();
  const start = Date.UTC(year, 0, 1);
  const yday =
    Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - start) / 86_400_000) + 1;
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nanos: d.getUTCMilliseconds() * 1_000_000 + t.ns,
    weekday: d.getUTCDay(),
    yday,
    offset,
    abbrev,
  };
}

const TOKENS = [
  'January',
  'Jan',
  'Monday',
  'Mon',
  'MST',
  '2006',
  '002',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '__2',
  '_2',
  '15',
  '1',
  '2',
  '3',
  '4',
  '5',
  'PM',
  'pm',
  'Z070000',
  'Z07:00:00',
  'Z07:00',
  'Z0700',
  'Z07',
  '-070000',
  '-07:00:00',
  '-07:00',
  '-0700',
  '-07',
];

/** Splits a layout into literal text and Go's std chunks (the same precedence as nextStdChunk). */
export function tokenizeLayout(layout: string): { std: boolean; text: string }[] {
  const out: { std: boolean; text: string }[] = [];
  let lit = '';
  for (let i = 0; i < layout.length;) {
    const rest = layout.slice(i);
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(rest);
    let tok =
      frac && i > 0 && /[0-9]$/.test(layout.slice(0, i))
        ? frac[0]
        : TOKENS.find((t) => rest.startsWith(t));
    if (tok === 'Jan' && rest.startsWith('January')) tok = 'January';
    if (tok === 'Mon' && /^Month/.test(rest)) tok = undefined;
    if (tok === '2' && rest.startsWith('2006')) tok = '2006';
    if (tok !== undefined) {
      if (lit) out.push({ std: false, text: lit });
      lit = '';
      out.push({ std: true, text: tok });
      i += tok.length;
    } else {
      lit += layout[i];
      i++;
    }
  }
  if (lit) out.push({ std: false, text: lit });
  return out;
}

/** time.Time.Format. */
export function formatTime(t: GoTime, layout: string): string {
  const f = fields(t);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  let out = '';
  for (const { std, text } of tokenizeLayout(layout)) {
    if (!std) {
      out += text;
      continue;
    }
    if (/^[.,]/.test(text)) {
      const digits = text.length - 1;
      let s = p(f.nanos, 9).slice(0, digits);
      if (text[1] === '9') {
        s = s.replace(/0+$/, '');
        out += s ? text[0] + s : '';
      } else out += text[0] + s;
      continue;
    }
    const h12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
    const zone = (colon: boolean, secs: boolean, short: boolean, z: boolean): string => {
      if (z && f.offset === 0) return 'Z';
      const s = formatOffset(f.offset, colon, secs);
      return short ? s.slice(0, 3) : s;
    };
    const map: Record<string, () => string> = {
      January: () => MONTHS[f.month - 1] as string,
      Jan: () => (MONTHS[f.month - 1] as string).slice(0, 3),
      Monday: () => DAYS[f.weekday] as string,
      Mon: () => (DAYS[f.weekday] as string).slice(0, 3),
      MST: () => f.abbrev,
      '2006': () => p(f.year, 4),
      '06': () => p(f.year % 100),
      '01': () => p(f.month),
      '1': () => String(f.month),
      '02': () => p(f.day),
      '2': () => String(f.day),
      _2: () => String(f.day).padStart(2, ' '),
      __2: () => String(f.yday).padStart(3, ' '),
      '002': () => p(f.yday, 3),
      '15': () => p(f.hour),
      '03': () => p(h12),
      '3': () => String(h12),
      '04': () => p(f.minute),
      '4': () => String(f.minute),
      '05': () => p(f.second),
      '5': () => String(f.second),
      PM: () => (f.hour >= 12 ? 'PM' : 'AM'),
      pm: () => (f.hour >= 12 ? 'pm' : 'am'),
      Z070000: () => zone(false, true, false, true),
      'Z07:00:00': () => zone(true, true, false, true),
      'Z07:00': () => zone(true, false, false, true),
      Z0700: () => zone(false, false, false, true),
      Z07: () => zone(false, false, true, true),
      '-070000': () => zone(false, true, false, false),
      '-07:00:00': () => zone(true, true, false, false),
      '-07:00': () => zone(true, false, false, false),
      '-0700': () => zone(false, false, false, false),
      '-07': () => zone(false, false, true, false),
    };
    out += (map[text] as () => string)();
  }
  return out;
}

/** time.Time.String: "2006-01-02 15:04:05.999999999 -0700 MST". */
export function timeString(t: GoTime): string {
  return formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
}

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** time.ParseDuration, in nanoseconds. */
export function parseDuration(s: string): bigint {
  const bad = (): Error => new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw bad();
  let total = 0;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(rest) as RegExpExecArray;
    if ((m[1] ?? '') === '' && (m[2] ?? '') === '') throw bad();
    rest = rest.slice(m[0].length);
    const u = /^[^\d.]+/.exec(rest);
    if (!u) throw new Error(`time: missing unit in duration ${JSON.stringify(s)}`);
    const unit = UNITS[u[0]];
    if (unit === undefined)
      throw new Error(
        `time: unknown unit ${JSON.stringify(u[0])} in duration ${JSON.stringify(s)}`,
      );
    rest = rest.slice(u[0].length);
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * Number(unit);
  }
  // 2^63 exactly: the float64 nearest to Go's max Duration (1<<63 - 1), as the comparison always used.
  if (total > 9_223_372_036_854_775_808) throw bad();
  const n = BigInt(Math.round(total));
  return neg ? -n : n;
}

function fmtFrac(v: bigint, prec: number): string {
  const base = 10n ** BigInt(prec);
  const whole = v / base;
  const frac = (v % base).toString().padStart(prec, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** time.Duration.String. */
export function durationString(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${fmtFrac(u, 3)}µs`;
    else out = `${fmtFrac(u, 6)}ms`;
  } else {
    const h = u / 3_600_000_000_000n;
    u %= 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u %= 60_000_000_000n;
    out = `${fmtFrac(u, 9)}s`;
    if (h > 0n) out = `${h}h${m}m${out}`;
    else if (m > 0n) out = `${m}m${out}`;
  }
  return neg ? `-${out}` : out;
}

/** Duration.Round(time.Second) (half away from zero). */
export function roundToSecond(d: bigint): bigint {
  const s = 1_000_000_000n;
  const r = d % s;
  const abs = r < 0n ? -r : r;
  if (abs + abs < s) return d - r;
  return d < 0n ? d - r - s : d - r + s;
}
