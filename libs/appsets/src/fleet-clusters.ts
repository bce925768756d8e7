import type { ClusterRecord } from '@flotilla/generators';

/**
 * The API server address an ApplicationSet sees for one of our clusters (`{{server}}` in a
 * cluster generator, `destination.server` in a template). Agent clusters have no address the hub
 * can reach, and a kubeconfig's address is a secret, so every cluster gets the same stable,
 * readable form; destinations resolve back to cluster ids through it or through the name.
 */
export function clusterServer(tenant: string, name: string): string {
  return `https://flotilla.clusters/${tenant}/${name}`;
}

/** A live cluster as generation sees it: our id plus Argo CD's cluster-secret view. */
export interface FleetCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
  record: ClusterRecord;
}

/** Builds the generator's view of a live cluster of `tenant`. */
export function fleetCluster(
  tenant: string,
  row: { id: string; name: string; labels: Record<string, string> },
): FleetCluster {
  return {
    id: row.id,
    name: row.name,
    labels: row.labels,
    record: { name: row.name, server: clusterServer(tenant, row.name), labels: row.labels },
  };
}

/** Destination look-up by server address and by name (one tenant's live clusters). */
export class ClusterIndex {
  private readonly byServer = new Map<string, FleetCluster>();
  private readonly byName = new Map<string, FleetCluster>();

  constructor(readonly clusters: readonly FleetCluster[]) {
    for (const c of clusters) {
      this.byServer.set(c.record.server, c);
      this.byName.set(c.name, c);
    }
  }

  /** The cluster an Application's `spec.destination` names (server wins), if any. */
  resolve(destination: unknown): FleetCluster | undefined {
    if (typeof destination !== 'object' || destination === null) return undefined;
    const { server, name } = destination as { server?: unknown; name?: unknown };
    if (typeof server === 'string' && server !== '')
      return this.byServer.get(server.replace(/\/+$/, ''));
    if (typeof name === 'string' && name !== '') return this.byName.get(name);
    return undefined;
  }

  /** Cluster id → name, for answers that show clusters by name. */
  names(): Record<string, string> {
    return Object.fromEntries(this.clusters.map((c) => [c.id, c.name]));
  }
}
