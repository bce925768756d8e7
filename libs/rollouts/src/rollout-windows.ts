import { activeUntil, canSync, type SyncTarget, type SyncWindow } from '@flotilla/domain';

/** A tenant's sync windows as its read model stores them. */
export type TenantWindows = SyncWindow[];

/** How often a target outside every allow window is looked at again. */
export const WINDOW_RECHECK_MS = 60_000;

/**
 * What the sync windows say of updating `target` at `now` (Argo CD's `CanSync`, automated): when
 * not allowed, the moment to look again: the end of the blocking deny window, or a minute on for
 * allow windows that are all closed.
 */
export function windowObservation(
  windows: readonly SyncWindow[],
  target: SyncTarget,
  now: Date,
): { allowed: boolean; reason: string; recheckAt: Date | null } {
  if (windows.length === 0) return { allowed: true, reason: 'no sync windows', recheckAt: null };
  const decision = canSync({ ...target, windows, at: now, manual: false });
  if (decision.allowed) return { allowed: true, reason: decision.reason, recheckAt: null };
  const until = decision.window?.kind === 'deny' ? activeUntil(decision.window, now) : undefined;
  return {
    allowed: false,
    reason: decision.reason,
    recheckAt: until ?? new Date(now.getTime() + WINDOW_RECHECK_MS),
  };
}

/** Whether every target may be updated by hand now (the windows blocking them allow manual syncs). */
export function manualAllowed(
  windows: readonly SyncWindow[],
  targets: readonly SyncTarget[],
  now: Date,
): { allowed: boolean; reason: string } {
  for (const target of targets) {
    const decision = canSync({ ...target, windows, at: now, manual: true });
    if (!decision.allowed) return { allowed: false, reason: decision.reason };
  }
  return { allowed: true, reason: 'every blocking window allows manual syncs' };
}
