import type { Connectivity } from '@flotilla/domain';
import { HealthStatus, SyncStatus } from '../application-sets/application-delivery.model';
import type { ApplicationCounts, FleetCounts, FleetSummary } from './cluster.model';
import { ClusterConnectivity } from './cluster.model';

/** Cluster counts grouped by tenant, connectivity, version (and the grouping label's value). */
export interface ClusterCountRow {
  tenant: string;
  group?: string | null;
  connectivity: Connectivity;
  version: string;
  n: number;
}

/** Application counts grouped by tenant, ApplicationSet, status (and the grouping label's value). */
export interface ApplicationCountRow {
  tenant: string;
  applicationSetId: string;
  applicationSetName: string;
  group?: string | null;
  sync: string;
  health: string;
  n: number;
}

const SYNCS = Object.values(SyncStatus);
const HEALTHS = Object.values(HealthStatus);

function applicationCountsOf(rows: ApplicationCountRow[]): ApplicationCounts {
  const bySync = new Map<string, number>();
  const byHealth = new Map<string, number>();
  let total = 0;
  for (const r of rows) {
    total += r.n;
    bySync.set(r.sync, (bySync.get(r.sync) ?? 0) + r.n);
    byHealth.set(r.health, (byHealth.get(r.health) ?? 0) + r.n);
  }
  return {
    total,
    bySync: SYNCS.map((status) => ({ status, count: bySync.get(status) ?? 0 })),
    byHealth: HEALTHS.map((status) => ({ status, count: byHealth.get(status) ?? 0 })),
  };
}

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

function countsOf(rows: ClusterCountRow[], apps: ApplicationCountRow[]): FleetCounts {
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
    applications: applicationCountsOf(apps),
  };
}

/**
 * The fleet summary of `tenants` (every one listed, empty ones included) from grouped counts;
 * with `grouped`, one entry per value of the grouping label (rows carry it as `group`).
 */
export function fleetSummaryOf(
  tenants: string[],
  rows: ClusterCountRow[],
  apps: ApplicationCountRow[],
  grouped = false,
): FleetSummary {
  const sets = new Map<string, ApplicationCountRow[]>();
  for (const r of apps) sets.set(r.applicationSetId, [...(sets.get(r.applicationSetId) ?? []), r]);
  const groups = [...new Set([...rows, ...apps].map((r) => r.group ?? null))].sort((a, b) =>
    a === null ? 1 : b === null ? -1 : a.localeCompare(b),
  );
  return {
    overall: countsOf(rows, apps),
    tenants: tenants.map((tenant) => ({
      tenant,
      ...countsOf(
        rows.filter((r) => r.tenant === tenant),
        apps.filter((r) => r.tenant === tenant),
      ),
    })),
    applicationSets: [...sets.values()]
      .map((set) => ({
        applicationSetId: set[0]!.applicationSetId,
        tenant: set[0]!.tenant,
        name: set[0]!.applicationSetName,
        applications: applicationCountsOf(set),
      }))
      .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.name.localeCompare(b.name)),
    groups: grouped
      ? groups.map((value) => ({
          value,
          ...countsOf(
            rows.filter((r) => (r.group ?? null) === value),
            apps.filter((r) => (r.group ?? null) === value),
          ),
        }))
      : null,
  };
}
