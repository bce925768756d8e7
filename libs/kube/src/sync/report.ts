import { aggregateHealth, HEALTH_ORDER, type HealthStatusCode } from '../health/health-status';
import { assessHealth, hasHealthRule } from '../health/health';
import type { KubeObject } from '../kube-object';
import { isOwnedBy, type ObjectJson } from '../ownership';
import { driftText } from './drift';
import { apiVersionOf } from './resource-key';
import type {
  ApplicationReport,
  DesiredApplication,
  ResourceDriftReport,
  ResourceKey,
  ResourceProblemReport,
  SyncCode,
} from './sync.types';

/** What became of one resource in a pass. */
export interface ResourceOutcome {
  key: ResourceKey;
  sync: SyncCode;
  health: HealthStatusCode | null;
  message: string;
  /** The live object, when there is one. */
  live?: ObjectJson;
  /** It could not be applied (a later sync wave must not start). */
  failed?: boolean;
  /** It exists and someone else owns it. */
  foreign?: boolean;
}

const MAX_LISTED = 100;

/** The agent protocol's limits: 4096 characters per Application message, 1024 per resource. */
const cut = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** A live object's health: Argo CD's rules, `null` when no rule applies. */
export function healthOf(live: ObjectJson): { status: HealthStatusCode; message: string } | null {
  try {
    const health = assessHealth(live as KubeObject);
    return health ? { status: health.status, message: health.message ?? '' } : null;
  } catch (error) {
    return { status: 'Unknown', message: (error as Error).message };
  }
}

/** The outcome of a desired object from what the server holds after our apply (or a read). */
export function outcomeOf(
  key: ResourceKey,
  applied: ObjectJson,
  live: ObjectJson | undefined,
  applicationId: string,
): ResourceOutcome {
  if (!live)
    return { key, sync: 'OutOfSync', health: 'Missing', message: 'the resource is missing' };
  const health = healthOf(live);
  if (!isOwnedBy(live, applicationId)) {
    return {
      key,
      sync: 'OutOfSync',
      health: health?.status ?? null,
      message: 'exists and is not managed by this Application',
      live,
      foreign: true,
    };
  }
  const drift = driftText(applied, live);
  return {
    key,
    sync: drift ? 'OutOfSync' : 'Synced',
    health: health?.status ?? null,
    message: drift ? 'the live object differs from the manifest' : (health?.message ?? ''),
    live,
  };
}

/** One outcome's drift, or undefined when it matches what we applied. */
export function driftOf(
  key: ResourceKey,
  applied: ObjectJson,
  live: ObjectJson | undefined,
): ResourceDriftReport | undefined {
  if (!live) return undefined;
  const diff = driftText(applied, live);
  return diff ? { ...key, diff } : undefined;
}

const rank = (o: ResourceOutcome): number =>
  (o.health ? HEALTH_ORDER.indexOf(o.health) : 0) * 2 + (o.sync === 'Synced' ? 0 : 1);

/**
 * The Application's report from its desired resources' outcomes and the leftovers awaiting
 * pruning: Synced only when every desired object is ours and matches and nothing awaits pruning.
 */
export function buildReport(
  app: DesiredApplication,
  desired: readonly ResourceOutcome[],
  leftovers: readonly ResourceOutcome[],
  extra: { observedAt: string; drift?: ResourceDriftReport[]; driftCorrected?: boolean },
): ApplicationReport {
  const all = [...desired, ...leftovers];
  const failed = desired.filter((o) => o.failed);
  const problems: ResourceProblemReport[] = all
    .filter((o) => o.sync !== 'Synced' || (o.health !== null && o.health !== 'Healthy'))
    .sort((a, b) => rank(b) - rank(a))
    .slice(0, MAX_LISTED)
    .map((o) => ({ ...o.key, sync: o.sync, health: o.health, message: cut(o.message, 1024) }));
  const applied = desired.length === 0 || desired.some((o) => !o.failed && o.live);
  return {
    id: app.id,
    commit: applied ? app.commit : null,
    bundleId: applied ? app.bundleId : null,
    sync: all.every((o) => o.sync === 'Synced') ? 'Synced' : 'OutOfSync',
    // Like Argo CD, a Missing resource of a kind without a health rule does not count.
    health: aggregateHealth(
      desired.map((o) =>
        o.health === 'Missing' && !hasHealthRule(apiVersionOf(o.key), o.key.kind) ? null : o.health,
      ),
    ),
    message:
      failed.length === 0
        ? ''
        : cut(
            `${failed.length} of ${desired.length} resources could not be applied: ${failed[0]?.message ?? ''}`,
            4096,
          ),
    resourceCount: desired.length,
    problems,
    drift: (extra.drift ?? []).slice(0, MAX_LISTED),
    driftCorrected: extra.driftCorrected ?? false,
    observedAt: extra.observedAt,
  };
}

/** The report when the cluster could not be read at all. */
export function unknownReport(
  app: DesiredApplication,
  message: string,
  observedAt: string,
): ApplicationReport {
  return {
    id: app.id,
    commit: null,
    bundleId: null,
    sync: 'Unknown',
    health: 'Unknown',
    message: cut(message, 4096),
    resourceCount: app.manifests.length,
    problems: [],
    drift: [],
    driftCorrected: false,
    observedAt,
  };
}
