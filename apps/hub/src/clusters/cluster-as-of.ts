import { evolveCluster, initialClusterState, type ClusterEvent } from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import { clusterStream, type FlotillaEvent } from '@flotilla/projections';
import type { ClusterRow } from './cluster.service';

/** The most events one cluster's stream is read up to. */
const MAX_EVENTS = 100_000;

/**
 * A cluster as it was at `asOf`, folded from its stream up to and including that moment: null
 * when it had not registered yet. A cluster deregistered by then keeps what it had, with the
 * moment it left (as the read model keeps it).
 */
export async function clusterAsOf(
  store: EventStore<FlotillaEvent>,
  id: string,
  asOf: Date,
): Promise<ClusterRow | null> {
  const events = await store.readAll({
    streamId: clusterStream(id),
    recordedTo: new Date(asOf.getTime() + 1),
    limit: MAX_EVENTS,
  });
  let state = initialClusterState;
  let row: ClusterRow | null = null;
  for (const e of events) {
    const prev = row as ClusterRow | null;
    state = evolveCluster(state, { type: e.type, data: e.data } as ClusterEvent);
    if (state.status === 'registered') {
      row = {
        id,
        tenant: state.tenant,
        name: state.name,
        mode: state.mode,
        labels: state.labels,
        facts: state.facts,
        connectivity: state.connectivity,
        connectivity_changed_at:
          e.type === 'ClusterConnectivityChanged' || !prev
            ? e.recordedAt
            : prev.connectivity_changed_at,
        registered_at: prev?.registered_at ?? e.recordedAt,
        updated_at: e.recordedAt,
        deregistered_at: null,
        credential_expires_at: state.credential?.expiresAt ?? null,
        version: e.streamVersion,
      };
    } else if (state.status === 'deregistered' && prev) {
      row = {
        ...prev,
        deregistered_at: e.recordedAt,
        updated_at: e.recordedAt,
        version: e.streamVersion,
      };
    }
  }
  return row;
}
