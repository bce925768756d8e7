/**
 * Argo CD's health codes (gitops-engine `pkg/health/health.go`), listed from most to least
 * healthy: the order `IsWorse` and the Application's aggregated health use.
 */
export const HEALTH_ORDER = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
] as const;

export type HealthStatusCode = (typeof HEALTH_ORDER)[number];

/** The health of one resource; `message` says what is wrong (or what is being waited for). */
export interface HealthStatus {
  status: HealthStatusCode;
  message?: string;
}

/** `{ status, message }` without an empty message, as Argo CD's `omitempty` serialises it. */
export function health(status: HealthStatusCode, message?: string): HealthStatus {
  return message ? { status, message } : { status };
}

/** Whether `next` is worse than `current` (gitops-engine `health.IsWorse`). */
export function isWorse(current: HealthStatusCode, next: HealthStatusCode): boolean {
  return HEALTH_ORDER.indexOf(next) > HEALTH_ORDER.indexOf(current);
}

/**
 * The health of an Application from its resources' health: the worst of them, `Healthy` when
 * there are none. `null` (no rule applies to the resource) does not count, as in Argo CD's
 * `setApplicationHealth`. Callers leave out what Argo CD leaves out there: hooks, resources it
 * ignores, and `Missing` resources of a kind without a health rule (see `hasHealthRule`).
 */
export function aggregateHealth(
  statuses: Iterable<HealthStatus | HealthStatusCode | null | undefined>,
): HealthStatusCode {
  let worst: HealthStatusCode = 'Healthy';
  for (const entry of statuses) {
    if (entry === null || entry === undefined) continue;
    const code = typeof entry === 'string' ? entry : entry.status;
    if (isWorse(worst, code)) worst = code;
  }
  return worst;
}
