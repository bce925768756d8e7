import type { Connectivity } from '@flotilla/domain';
import type { FleetCounts, FleetSummary } from './cluster.model';
import { ClusterConnectivity } from './cluster.model';

const CONNECTIVITIES: Connectivity[] = ['Ready', 'Stale', 'Offline'];

/** `v1.29.3-eks-1` → `v1.29`. */
export function minorOf(version: string): string {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? `v${m[1]}.${m[2]}` : version;
}

function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.match(/\d+/g) ?? []).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

function countsOf(rows: { connectivity: Connectivity; version: string; n: number }[]): FleetCounts {
  const byConnectivity = new Map<Connectivity, number>(CONNECTIVITIES.map((c) => [c, 0]));
  const byVersion = new Map<string, number>();
  const byMinor = new Map<string, number>();
  let clusters = 0;
  for (const r of rows) {
    clusters += r.n;
    byConnectivity.set(r.connectivity, (byConnectivity.get(r.connectivity) ?? 0) + r.n);
    byVersion.set(r.version, (byVersion.get(r.version) ?? 0) + r.n);
    byMinor.set(minorOf(r.version), (byMinor.get(minorOf(r.version)) ?? 0) + r.n);
  }
  const sorted = (m: Map<string, number>) =>
    [...m.entries()]
      .sort(([a], [b]) => compareVersions(a, b))
      .map(([version, count]) => ({ version, count }));
  return {
    clusters,
    byConnectivity: CONNECTIVITIES.map((c) => ({
      connectivity: c as ClusterConnectivity,
      count: byConnectivity.get(c) ?? 0,
    })),
    byKubernetesVersion: sorted(byVersion),
    byKubernetesMinor: sorted(byMinor),
  };
}

/** The fleet summary of `tenants` (every one listed, empty ones included) from grouped counts. */
export function fleetSummaryOf(
  tenants: string[],
  rows: { tenant: string; connectivity: Connectivity; version: string; n: number }[],
): FleetSummary {
  return {
    overall: countsOf(rows),
    tenants: tenants.map((tenant) => ({
      tenant,
      ...countsOf(rows.filter((r) => r.tenant === tenant)),
    })),
  };
}
