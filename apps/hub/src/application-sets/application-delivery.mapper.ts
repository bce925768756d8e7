import type {
  ApplicationDelivery,
  DriftedResource,
  HealthStatus,
  ResourceProblem,
  SyncStatus,
} from './application-delivery.model';
import type { DeliveryColumns } from './application-set.read-model';

const date = (value: string | null): Date | null => (value === null ? null : new Date(value));

/**
 * The GraphQL delivery of an Application from its `application_deliveries` columns. The read
 * model holds only what the domain events validated (sync and health codes, problem and drift
 * shapes), so the casts restate what was checked on the way in.
 */
export function toDelivery(d: DeliveryColumns): ApplicationDelivery {
  return {
    commit: d.commit,
    bundleId: d.bundle_id,
    renderedAt: date(d.rendered_at),
    held:
      d.held_commit !== null && d.held_bundle_id !== null && d.held_at !== null
        ? { commit: d.held_commit, bundleId: d.held_bundle_id, since: new Date(d.held_at) }
        : null,
    renderFailure:
      d.render_failing && d.render_error_code !== null
        ? { code: d.render_error_code, message: d.render_error_message ?? '' }
        : null,
    status:
      d.sync !== null && d.health !== null && d.observed_at !== null
        ? {
            commit: d.status_commit,
            bundleId: d.status_bundle_id,
            sync: d.sync as SyncStatus,
            health: d.health as HealthStatus,
            message: d.status_message ?? '',
            resourceCount: d.resource_count ?? 0,
            problems: (d.problems ?? []) as ResourceProblem[],
            observedAt: new Date(d.observed_at),
          }
        : null,
    lastDrift:
      d.last_drift !== null && d.last_drift_at !== null
        ? {
            resources: d.last_drift as DriftedResource[],
            corrected: d.drift_corrected ?? false,
            detectedAt: new Date(d.last_drift_at),
          }
        : null,
  };
}
