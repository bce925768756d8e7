import {
  applicationStream,
  deliveryStream,
  type ClusterEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import type { EventStore, StoredOf } from '@flotilla/event-store';
import { foldCluster } from '@flotilla/inventory';
import { clusterStream, primarySource, type FlotillaEvent } from '@flotilla/projections';
import type { ApplicationRow, DeliveryColumns } from './application-set.read-model';

/** The most events one Application's streams are read up to (its whole life, in practice). */
const MAX_EVENTS = 100_000;

/** What `applicationAsOf` found: the Application as it was, or why there is none. */
export type ApplicationAsOf =
  | { kind: 'found'; row: ApplicationRow }
  | { kind: 'absent' }
  | { kind: 'deleted'; at: Date; tenant: string; name: string };

const emptyDelivery = (): DeliveryColumns => ({
  commit: null,
  bundle_id: null,
  rendered_at: null,
  render_error_code: null,
  render_error_message: null,
  render_failing: null,
  status_commit: null,
  status_bundle_id: null,
  sync: null,
  health: null,
  status_message: null,
  resource_count: null,
  problems: null,
  observed_at: null,
  last_drift: null,
  last_drift_at: null,
  drift_corrected: null,
  held_commit: null,
  held_bundle_id: null,
  held_at: null,
});

/**
 * An Application as it was at `asOf`, folded from the log: its own stream (created, updated,
 * deleted), its delivery stream (rendering, status, drift) and its cluster's stream (name and
 * labels), each up to and including `asOf`. Works for Applications deleted since.
 */
export async function applicationAsOf(
  store: EventStore<FlotillaEvent>,
  id: string,
  asOf: Date,
  applicationSetName: (setId: string) => Promise<string | null>,
): Promise<ApplicationAsOf> {
  const recordedTo = new Date(asOf.getTime() + 1);
  const events = await store.readAll({
    streamIds: [applicationStream(id), deliveryStream(id)],
    recordedTo,
    limit: MAX_EVENTS,
  });
  let row: ApplicationRow | undefined;
  let digest = '';
  let deleted: Date | undefined;
  let heldDigest = '';
  const delivery = emptyDelivery();
  for (const e of events) {
    switch (e.type) {
      case 'ApplicationCreated':
      case 'ApplicationUpdated': {
        const d = e.data;
        const source = primarySource(d.spec as JsonObjectValue);
        const base =
          e.type === 'ApplicationCreated'
            ? {
                application_set_id: e.data.applicationSetId,
                tenant: e.data.tenant,
                name: e.data.name,
                created_at: e.recordedAt,
              }
            : row;
        if (!base) break;
        row = {
          id,
          application_set_id: base.application_set_id,
          application_set_name: null,
          tenant: base.tenant,
          name: base.name,
          cluster_id: d.clusterId,
          cluster_name: null,
          cluster_labels: null,
          namespace: d.namespace,
          project: d.project,
          repo_url: source.repoURL,
          target_revision: source.targetRevision,
          path: source.path,
          spec: d.spec as JsonObjectValue,
          created_at: base.created_at,
          updated_at: e.recordedAt,
          delivery,
        };
        digest = d.digest;
        deleted = undefined;
        break;
      }
      case 'ApplicationDeleted':
        deleted = e.recordedAt;
        break;
      case 'ApplicationRendered':
        Object.assign(delivery, {
          commit: e.data.commit,
          bundle_id: e.data.bundleId,
          rendered_at: e.recordedAt.toISOString(),
          render_error_code: null,
          render_error_message: null,
          render_failing: false,
        });
        // Released: what was held is no longer (as the deliveries projection clears it).
        if (delivery.held_bundle_id === e.data.bundleId && heldDigest === e.data.digest)
          Object.assign(delivery, { held_commit: null, held_bundle_id: null, held_at: null });
        break;
      case 'ApplicationRenderStaged':
        heldDigest = e.data.digest;
        Object.assign(delivery, {
          held_commit: e.data.commit,
          held_bundle_id: e.data.bundleId,
          held_at: e.recordedAt.toISOString(),
          render_error_code: null,
          render_error_message: null,
          render_failing: false,
        });
        break;
      case 'ApplicationRenderFailed':
        Object.assign(delivery, {
          render_error_code: e.data.code,
          render_error_message: e.data.message,
          render_failing: e.data.digest === digest,
        });
        break;
      case 'ApplicationStatusChanged':
        Object.assign(delivery, {
          status_commit: e.data.commit,
          status_bundle_id: e.data.bundleId,
          sync: e.data.sync,
          health: e.data.health,
          status_message: e.data.message,
          resource_count: e.data.resourceCount,
          problems: e.data.problems,
          observed_at: e.data.observedAt,
        });
        break;
      case 'ApplicationDriftDetected':
        Object.assign(delivery, {
          last_drift: e.data.resources,
          last_drift_at: e.data.observedAt,
          drift_corrected: e.data.corrected,
        });
        break;
      default:
        break;
    }
  }
  if (!row) return { kind: 'absent' };
  if (deleted) return { kind: 'deleted', at: deleted, tenant: row.tenant, name: row.name };
  const cluster = foldCluster(
    (await store.readAll({
      streamId: clusterStream(row.cluster_id),
      recordedTo,
      limit: MAX_EVENTS,
    })) as StoredOf<ClusterEvent>[],
  );
  if (cluster.status === 'registered') {
    row.cluster_name = cluster.name;
    row.cluster_labels = cluster.labels;
  }
  row.application_set_name = await applicationSetName(row.application_set_id);
  return { kind: 'found', row };
}
