import { CronExpressionParser, type CronExpression } from 'cron-parser';

/**
 * Sync-window schedules: the five-field cron Argo CD accepts (robfig/cron with Minute | Hour |
 * Dom | Month | Dow, no descriptors like `@daily`, no seconds, no Quartz `L`/`W`/`#`, day of
 * week 0-6), evaluated with cron-parser in the window's IANA time zone.
 */

const NAMES_RE = /jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat/gi;
const FIELD_RE = /^[0-9*?,/-]+$/;
const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'];

/** Why `schedule` is not a valid five-field cron expression, or undefined when it is. */
export function cronScheduleError(schedule: string): string | undefined {
  const fields = schedule
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (fields.length !== 5)
    return `expected exactly 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`;
  for (const [i, field] of fields.entries()) {
    if (!FIELD_RE.test(field.replace(NAMES_RE, '0'))) {
      return `${FIELD_NAMES[i]} field ${JSON.stringify(field)} has characters robfig/cron does not accept`;
    }
  }
  // robfig/cron reads day of week as 0-6; cron-parser would also take 7 as Sunday.
  if (/(^|[^0-9])7/.test(fields[4] as string)) return 'day of week must be 0-6 (Sunday is 0)';
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}

/** Why `timeZone` is not an IANA time zone this runtime knows, or undefined when it is. */
export function timeZoneError(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as Europe/Berlin)`;
  }
  try {
    CronExpressionParser.parse('0 0 * * *', { tz: timeZone });
  } catch {
    return `time zone ${JSON.stringify(timeZone)} is not supported by the cron evaluator`;
  }
  return undefined;
}

// Parsing a cron expression costs tens of microseconds; reset() re-anchors a parsed one.
const parsed = new Map<string, CronExpression>();

/**
 * The latest start of `schedule` (in `timeZone`) at or before `at`, or undefined when there is
 * none. A local start time that a spring-forward DST change skips does not happen that day (as
 * in cron-parser); one repeated by a fall-back change happens once.
 */
export function lastStartAtOrBefore(
  schedule: string,
  timeZone: string,
  at: Date,
): Date | undefined {
  const key = `${timeZone}\0${schedule}`;
  let expression = parsed.get(key);
  if (!expression) {
    expression = CronExpressionParser.parse(schedule, { tz: timeZone, currentDate: at });
    if (parsed.size >= 1000) parsed.clear();
    parsed.set(key, expression);
  }
  // prev() is strictly before the anchor: anchor 1 ms later to include a start at `at` itself.
  expression.reset(new Date(at.getTime() + 1));
  try {
    return expression.prev().toDate();
  } catch {
    return undefined;
  }
}
