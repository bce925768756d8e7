// A fleet's past week as the events the hub, the worker and the agents would have appended:
// tenants, clusters registering (labels, facts, later upgrades, label edits, a few going Stale
// or Offline), ApplicationSets generating one Application per cluster of their tenant, two
// renderings per Application (two commits, one bundle per ApplicationSet and commit), status
// reports (a mix of health and sync), some drift, and status changes over the last day. Pure and
// deterministic (seeded), so that a database seeded from it can be checked against it.
import { parseTenantSpec } from '@flotilla/domain';
import { clusterStream, type FlotillaEvent } from '@flotilla/projections';
import type { Bundle } from '@flotilla/render';
import { v5 as uuidv5 } from 'uuid';
import {
  applicationEvents,
  DAY_MS,
  hex,
  ID_NAMESPACE,
  iso,
  MINUTE_MS,
  type ApplicationExpectations,
  type ClusterPlan,
  type HistoryEvent,
  type Push,
} from './application-history';

export { DAY_MS, type HistoryEvent };

const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];
const VERSIONS = ['v1.28.9', 'v1.29.6', 'v1.29.8', 'v1.30.4', 'v1.31.1'];
/** How big a fleet, how much history, ending when. */
export interface FleetShape {
  clusters: number;
  applications: number;
  tenants: number;
  /** Days of history before `end`. */
  days: number;
  /** The moment the history ends (ms since the epoch); every event is before it. */
  end: number;
}

/** What a seeded database must answer (now, and a day before `end`). */
export interface FleetExpectations extends ApplicationExpectations {
  clusters: number;
  /** Clusters upgraded in the last day: id and the Kubernetes version they ran a day ago. */
  upgradedInLastDay: { clusterId: string; versionThen: string }[];
}

/** The history: events in the order they were appended, the bundles, what to expect. */
export interface FleetHistory {
  events: HistoryEvent[];
  bundles: Bundle[];
  tenants: string[];
  expect: FleetExpectations;
}

/** mulberry32: a small seeded generator, so every run builds the same fleet. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(items: readonly T[], r: number): T => items[Math.floor(r * items.length)]!;

/** Builds the history of `shape` (deterministic for a given shape). */
export function fleetHistory(shape: FleetShape): FleetHistory {
  const rnd = random(20_261_130);
  const events: HistoryEvent[] = [];
  const push = (at: number, stream: string, tenant: string, actor: string, e: FlotillaEvent) =>
    events.push({ at, stream, tenant, actor, event: e });
  const start = shape.end - shape.days * DAY_MS;
  const tenants = Array.from(
    { length: shape.tenants },
    (_, t) => `team-${String.fromCharCode(97 + t)}`,
  );
  tenants.forEach((name, t) =>
    push(start - DAY_MS + t * MINUTE_MS, `tenant-${name}`, name, 'admin@example.com', {
      type: 'TenantCreated',
      data: {
        spec: parseTenantSpec({
          name,
          sourceRepos: [`https://git.example.com/${name}/*`],
          destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
          clusterResourceWhitelist: [{ group: '*', kind: '*' }],
          roles: [{ name: 'admin', groups: [`${name}-admins`] }],
        }),
      },
    }),
  );
  const { clusters, upgradedInLastDay } = clusterEvents(shape, start, tenants, rnd, push);
  const apps = applicationEvents(
    { applications: shape.applications, start, end: shape.end, tenants, clusters },
    rnd,
    push,
  );
  // Appended in time order; a stream's events were generated in its own time order.
  events.sort((a, b) => a.at - b.at);
  return {
    events,
    bundles: [...apps.bundles.values()],
    tenants,
    expect: { ...apps.expect, clusters: clusters.length, upgradedInLastDay },
  };
}

function clusterEvents(
  shape: FleetShape,
  start: number,
  tenants: string[],
  rnd: () => number,
  push: Push,
): { clusters: ClusterPlan[]; upgradedInLastDay: FleetExpectations['upgradedInLastDay'] } {
  const clusters: ClusterPlan[] = [];
  const upgradedInLastDay: FleetExpectations['upgradedInLastDay'] = [];
  for (let i = 0; i < shape.clusters; i++) {
    const name = `c-${String(i).padStart(5, '0')}`;
    const id = uuidv5(`cluster/${name}`, ID_NAMESPACE);
    const tenant = tenants[i % tenants.length]!;
    const envDraw = rnd();
    const labels: Record<string, string> = {
      env: envDraw < 0.4 ? 'prod' : envDraw < 0.7 ? 'staging' : 'dev',
      tier: pick(['gold', 'silver', 'bronze'], rnd()),
    };
    // One cluster in ten was registered without a region.
    if (rnd() >= 0.1) labels['region'] = pick(REGIONS, rnd());
    const versionIndex = Math.floor(rnd() * (VERSIONS.length - 1));
    const nodeCount = 3 + Math.floor(rnd() * 40);
    const registeredAt = start + (i / shape.clusters) * 0.8 * DAY_MS;
    const stream = clusterStream(id);
    push(registeredAt, stream, tenant, `agent:${name}`, {
      type: 'ClusterRegistered',
      data: {
        tenant,
        name,
        mode: 'agent',
        labels: { ...labels },
        facts: {
          kubernetesVersion: VERSIONS[versionIndex]!,
          nodeCount,
          allocatableCpuMillicores: nodeCount * 4_000,
          allocatableMemoryBytes: nodeCount * 16 * 1024 ** 3,
          agentVersion: '0.1.0',
        },
        credentialHash: hex(`credential/${id}`),
        credentialExpiresAt: iso(registeredAt + 30 * DAY_MS),
        registeredAt: iso(registeredAt),
      },
    });
    // Some were labelled by their owners a few days later.
    if (rnd() < 0.05) {
      labels['owner'] = `${tenant}-platform`;
      push(start + (3 + rnd() * 2) * DAY_MS, stream, tenant, `${tenant}-admin@example.com`, {
        type: 'ClusterLabelsChanged',
        data: { labels: { ...labels } },
      });
    }
    // A third were upgraded over the last two and a half days.
    if (rnd() < 0.3) {
      const at = shape.end - 2.5 * DAY_MS + rnd() * 2.4 * DAY_MS;
      push(at, stream, tenant, `cluster:${id}`, {
        type: 'ClusterFactsChanged',
        data: { kubernetesVersion: VERSIONS[versionIndex + 1]! },
      });
      if (at > shape.end - DAY_MS)
        upgradedInLastDay.push({ clusterId: id, versionThen: VERSIONS[versionIndex]! });
    }
    connectivityEvents(shape, stream, tenant, rnd, push);
    clusters.push({ id, name, tenant, labels });
  }
  return { clusters, upgradedInLastDay };
}

/** A few clusters stopped sending heartbeats in the last hours: 2% Stale, 1% Offline. */
function connectivityEvents(
  shape: FleetShape,
  stream: string,
  tenant: string,
  rnd: () => number,
  push: Push,
): void {
  const draw = rnd();
  if (draw >= 0.03) return;
  const at = shape.end - 6 * 60 * MINUTE_MS + rnd() * 5 * 60 * MINUTE_MS;
  const change = (when: number, from: 'Ready' | 'Stale', to: 'Stale' | 'Offline', missed: number) =>
    push(when, stream, tenant, 'system:connectivity-sweep', {
      type: 'ClusterConnectivityChanged',
      data: { from, to, at: iso(when), missedIntervals: missed },
    });
  change(at, 'Ready', 'Stale', 1);
  if (draw < 0.01) change(at + 2 * MINUTE_MS, 'Stale', 'Offline', 5);
}
