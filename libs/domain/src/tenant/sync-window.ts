import { lastStartAtOrBefore } from './cron-schedule';
import { globMatch } from './glob';
import { parseGoDuration } from './go-duration';
import type { SyncWindow } from './tenant-spec.schema';

/**
 * Argo CD sync windows (`SyncWindows.Matches`, `Active`, `CanSync`), with the clock injected.
 * A window is active from each cron start (inclusive) for its duration (exclusive end), the cron
 * read in the window's time zone, so DST moves the UTC instant as a wall clock would. (Argo CD
 * applies the zone's offset at the current instant instead, which is off by an hour on windows
 * that started before a DST change.)
 */

/** What a sync is for: the application, its destination cluster and namespace. */
export interface SyncTarget {
  application: string;
  cluster: { name: string; server?: string };
  namespace: string;
}

/** The outcome of {@link canSync}: `window` is the one that decided, when one did. */
export interface SyncDecision {
  allowed: boolean;
  reason: string;
  window?: SyncWindow;
}

/** When `window` is active at `at`, the instant it closes; otherwise undefined. */
export function activeUntil(window: SyncWindow, at: Date): Date | undefined {
  const start = lastStartAtOrBefore(window.schedule, window.timeZone, at);
  if (!start) return undefined;
  const end = start.getTime() + parseGoDuration(window.duration);
  return at.getTime() < end ? new Date(end) : undefined;
}

/** The windows active at `at` (Argo CD's `SyncWindows.Active`). */
export function activeWindows(windows: readonly SyncWindow[], at: Date): SyncWindow[] {
  return windows.filter((w) => activeUntil(w, at) !== undefined);
}

/**
 * Argo CD's `SyncWindows.Matches`: a window applies when any of its `applications` globs matches
 * the application name, any `clusters` glob the cluster's name or server, or any `namespaces`
 * glob the namespace (globs without separators, no `!`).
 */
export function windowApplies(window: SyncWindow, target: SyncTarget): boolean {
  const { application, cluster, namespace } = target;
  return (
    window.applications.some((g) => globMatch(g, application)) ||
    window.clusters.some(
      (g) =>
        (cluster.name !== '' && globMatch(g, cluster.name)) ||
        (!!cluster.server && globMatch(g, cluster.server)),
    ) ||
    window.namespaces.some((g) => globMatch(g, namespace))
  );
}

const describe = (w: SyncWindow): string =>
  `${w.kind} window "${w.schedule}" (${w.duration}, ${w.timeZone})`;

/** Input of {@link canSync}. */
export interface CanSyncInput extends SyncTarget {
  windows: readonly SyncWindow[];
  at: Date;
  /** A sync a person asked for, which `manualSync: true` windows let through. */
  manual: boolean;
}

/**
 * Argo CD's `SyncWindows.CanSync` over the windows that apply to the target:
 * - an active deny window blocks, unless the sync is manual and every active deny window has
 *   `manualSync`;
 * - otherwise an active allow window allows;
 * - otherwise, if allow windows apply but none is active, the sync is blocked, unless it is
 *   manual and every one of them has `manualSync`;
 * - otherwise (no windows, or only inactive deny windows) the sync is allowed.
 */
export function canSync(input: CanSyncInput): SyncDecision {
  const { windows, at, manual } = input;
  const applying = windows.filter((w) => windowApplies(w, input));
  if (applying.length === 0)
    return { allowed: true, reason: `no sync window applies to application ${input.application}` };
  const active = applying
    .map((w) => ({ w, until: activeUntil(w, at) }))
    .filter((a) => a.until !== undefined);
  const activeDeny = active.filter((a) => a.w.kind === 'deny');
  if (activeDeny.length > 0) {
    const strict = activeDeny.find((a) => !a.w.manualSync);
    if (manual && !strict) {
      const first = activeDeny[0]!;
      return {
        allowed: true,
        reason: `manual sync permitted during ${describe(first.w)} (manualSync)`,
        window: first.w,
      };
    }
    const blocking = strict ?? activeDeny[0]!;
    const reason = `${describe(blocking.w)} is active until ${blocking.until!.toISOString()}`;
    return { allowed: false, reason, window: blocking.w };
  }
  const activeAllow = active.find((a) => a.w.kind === 'allow');
  if (activeAllow) {
    return {
      allowed: true,
      reason: `${describe(activeAllow.w)} is active until ${activeAllow.until!.toISOString()}`,
      window: activeAllow.w,
    };
  }
  const inactiveAllows = applying.filter((w) => w.kind === 'allow');
  if (inactiveAllows.length > 0) {
    const strict = inactiveAllows.find((w) => !w.manualSync);
    if (manual && !strict) {
      return {
        allowed: true,
        reason: 'manual sync permitted outside the allow windows (manualSync)',
        window: inactiveAllows[0],
      };
    }
    const window = strict ?? inactiveAllows[0]!;
    return {
      allowed: false,
      reason: `no allow window is active (${describe(window)} is closed)`,
      window,
    };
  }
  return { allowed: true, reason: 'no deny window is active' };
}
