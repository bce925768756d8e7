// The Applications of the fleet's week (see fleet-history.ts): per tenant, ApplicationSets that
// generate one Application per cluster; two renderings each (two commits, one bundle per
// ApplicationSet and commit), status reports (a mix of health and sync), some drift, and status
// changes over the last day.
import {
  applicationDigest,
  applicationId,
  applicationSetStream,
  applicationStream,
  deliveryStream,
  type ApplicationMetadata,
  type DeliveryEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import type { FlotillaEvent } from '@flotilla/projections';
import { buildBundle, type Bundle } from '@flotilla/render';
import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import {
  manifestsOf,
  problemsOf,
  refOf,
  SET_NAMES,
  settledStatus,
  workloadOf,
  type Status,
} from './application-objects';

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
/** The namespace of the ids the history derives (clusters, ApplicationSets). */
export const ID_NAMESPACE = '5b0c2a53-6f36-4c1e-9d0e-5d1b8e7c2f10';
export const hex = (text: string, length = 64) =>
  createHash('sha256').update(text).digest('hex').slice(0, length);
export const iso = (ms: number) => new Date(ms).toISOString();

/** One event with where and when it was appended, and by whom. */
export interface HistoryEvent {
  at: number;
  stream: string;
  tenant: string;
  actor: string;
  event: FlotillaEvent;
}

/** Records one event of the history. */
export type Push = (
  at: number,
  stream: string,
  tenant: string,
  actor: string,
  e: FlotillaEvent,
) => void;

/** A cluster as the Applications see it. */
export interface ClusterPlan {
  id: string;
  name: string;
  tenant: string;
  labels: Record<string, string>;
}

/** What the Applications of a seeded database must answer (now, and a day before the end). */
export interface ApplicationExpectations {
  applications: number;
  applicationSets: number;
  byHealth: Record<string, number>;
  bySync: Record<string, number>;
  /** ClusterRoles the Applications put on clusters labelled env=prod. */
  prodClusterRoles: number;
  /** Applications by health a day before the end. */
  byHealthDayBefore: Record<string, number>;
  /** Applications whose health a day ago differs from now: id, its cluster, health then. */
  changedInLastDay: { applicationId: string; clusterId: string; healthThen: string }[];
}

interface AppsOutcome {
  bundles: Map<string, Bundle>;
  expect: ApplicationExpectations;
}

/** When and where: the history's start and end (ms), its tenants and clusters. */
export interface ApplicationFleet {
  applications: number;
  start: number;
  end: number;
  tenants: string[];
  clusters: ClusterPlan[];
}

/**
 * Per tenant, one ApplicationSet per Application a cluster runs (about `fleet.applications`
 * in all), each generating an Application on every cluster of its tenant.
 */
export function applicationEvents(
  fleet: ApplicationFleet,
  rnd: () => number,
  push: Push,
): AppsOutcome {
  const { start, tenants, clusters } = fleet;
  const perCluster = Math.max(1, Math.round(fleet.applications / clusters.length));
  const setNames = Array.from({ length: perCluster }, (_, k) => SET_NAMES[k] ?? `svc-${k}`);
  const out: AppsOutcome = {
    bundles: new Map(),
    expect: {
      applications: 0,
      applicationSets: tenants.length * setNames.length,
      byHealth: {},
      bySync: {},
      prodClusterRoles: 0,
      byHealthDayBefore: {},
      changedInLastDay: [],
    },
  };
  const sets = tenants.flatMap((tenant) => setNames.map((set) => ({ tenant, set })));
  sets.forEach(({ tenant, set }, s) => {
    const setId = uuidv5(`applicationset/${tenant}/${set}`, ID_NAMESPACE);
    const createdAt = start + 1.5 * DAY_MS + s * 5 * MINUTE_MS;
    const rollout = fleet.end - 3 * DAY_MS + (s / sets.length) * 10 * 60 * MINUTE_MS;
    const repoURL = `https://git.example.com/${tenant}/platform`;
    const renders = [1, 2].map((n) => {
      const bundle = buildBundle(manifestsOf(set, tenant, n));
      out.bundles.set(bundle.id, bundle);
      return { bundle, commit: hex(`${tenant}/${set}/${n}`, 40) };
    });
    const admin = `${tenant}-admin@example.com`;
    push(createdAt, applicationSetStream(setId), tenant, admin, {
      type: 'ApplicationSetCreated',
      data: { tenant, name: set, manifest: appSetManifest(set, repoURL) },
    });
    const mine = clusters.filter((c) => c.tenant === tenant);
    mine.forEach((cluster, j) => {
      const app = { setId, tenant, set, repoURL, cluster };
      const at = createdAt + 1_000 + (j * 14_000) / mine.length;
      const life = applicationLife(app, at, rollout, renders, fleet.end, rnd, push);
      const { expect } = out;
      expect.applications++;
      expect.byHealth[life.now.health] = (expect.byHealth[life.now.health] ?? 0) + 1;
      expect.bySync[life.now.sync] = (expect.bySync[life.now.sync] ?? 0) + 1;
      const then = life.dayBefore.health;
      expect.byHealthDayBefore[then] = (expect.byHealthDayBefore[then] ?? 0) + 1;
      if (then !== life.now.health)
        expect.changedInLastDay.push({
          applicationId: life.id,
          clusterId: cluster.id,
          healthThen: then,
        });
      if (cluster.labels['env'] === 'prod')
        out.expect.prodClusterRoles += renders[1]!.bundle.manifests.filter(
          (o) => o['kind'] === 'ClusterRole',
        ).length;
    });
    push(createdAt + 20_000, applicationSetStream(setId), tenant, 'system:generation', {
      type: 'ApplicationSetGenerated',
      data: {
        manifestVersion: 1,
        created: mine.length,
        updated: 0,
        deleted: 0,
        unchanged: 0,
        skipped: 0,
        violations: [],
        validationErrors: [],
      },
    });
  });
  return out;
}

function appSetManifest(set: string, repoURL: string): JsonObjectValue {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: set },
    spec: {
      goTemplate: true,
      generators: [{ clusters: {} }],
      template: {
        metadata: { name: `${set}-{{.name}}` },
        spec: {
          project: 'default',
          source: { repoURL, targetRevision: 'main', path: set },
          destination: { server: '{{.server}}', namespace: set },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      },
    },
  };
}

interface AppPlan {
  setId: string;
  tenant: string;
  set: string;
  repoURL: string;
  cluster: ClusterPlan;
}

/**
 * One Application's events: created, rendered at the first commit and Healthy, rendered at the
 * second commit at the rollout and settled in some status, maybe drifted, maybe changed status
 * in the last day. Returns its id, its status now and a day before the end.
 */
function applicationLife(
  app: AppPlan,
  createdAt: number,
  rollout: number,
  renders: { bundle: Bundle; commit: string }[],
  end: number,
  rnd: () => number,
  push: Push,
): { id: string; now: Status; dayBefore: Status } {
  const { cluster, set, tenant } = app;
  const name = `${set}-${cluster.name}`;
  const id = applicationId(app.setId, name);
  const spec: JsonObjectValue = {
    project: 'default',
    source: { repoURL: app.repoURL, targetRevision: 'main', path: set },
    destination: { server: `https://${cluster.name}.clusters.example.com`, namespace: set },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  };
  const metadata: ApplicationMetadata = {
    labels: { 'app.kubernetes.io/part-of': set },
    annotations: {},
    finalizers: ['resources-finalizer.argocd.argoproj.io'],
  };
  const digest = applicationDigest(spec, metadata);
  push(createdAt, applicationStream(id), tenant, 'system:generation', {
    type: 'ApplicationCreated',
    data: {
      applicationSetId: app.setId,
      tenant,
      name,
      clusterId: cluster.id,
      namespace: set,
      project: 'default',
      spec,
      metadata,
      digest,
    },
  });
  const delivery = (at: number, actor: string, e: DeliveryEvent) =>
    push(at, deliveryStream(id), tenant, actor, e);
  const render = (at: number, n: 0 | 1) =>
    delivery(at, 'system:renderer', {
      type: 'ApplicationRendered',
      data: {
        clusterId: cluster.id,
        digest,
        targetRevision: 'main',
        commit: renders[n]!.commit,
        bundleId: renders[n]!.bundle.id,
        sourceType: 'Directory',
        objectCount: renders[n]!.bundle.objectCount,
        namespace: set,
        prune: true,
        selfHeal: true,
      },
    });
  const report = (at: number, n: 0 | 1, status: Status) =>
    delivery(at, `agent:${cluster.id}`, {
      type: 'ApplicationStatusChanged',
      data: {
        clusterId: cluster.id,
        commit: renders[n]!.commit,
        bundleId: renders[n]!.bundle.id,
        ...status,
        message: status.health === 'Degraded' ? 'one or more objects are Degraded' : '',
        resourceCount: renders[n]!.bundle.objectCount,
        problems: problemsOf(status, renders[n]!.bundle, set),
        observedAt: iso(at - 250),
        reporter: 'agent',
      },
    });
  const rendered1 = createdAt + 2_000 + rnd() * 20_000;
  render(rendered1, 0);
  report(rendered1 + 15_000 + rnd() * 120_000, 0, { sync: 'Synced', health: 'Healthy' });
  const rendered2 = rollout + rnd() * 60_000;
  render(rendered2, 1);
  const settled = settledStatus(rnd(), rnd());
  report(rendered2 + 20_000 + rnd() * 300_000, 1, settled);
  if (rnd() < 0.03) {
    const at = end - 2 * DAY_MS + rnd() * 1.5 * DAY_MS;
    delivery(at, `agent:${cluster.id}`, {
      type: 'ApplicationDriftDetected',
      data: {
        clusterId: cluster.id,
        resources: [
          { ...refOf(workloadOf(renders[1]!.bundle), set), diff: '- replicas: 3\n+ replicas: 5' },
        ],
        corrected: true,
        observedAt: iso(at - 250),
      },
    });
  }
  if (rnd() >= 0.15) return { id, now: settled, dayBefore: settled };
  const now: Status =
    settled.health === 'Healthy'
      ? { sync: 'Synced', health: rnd() < 0.6 ? 'Degraded' : 'Progressing' }
      : { sync: 'Synced', health: 'Healthy' };
  report(end - 23 * 60 * MINUTE_MS + rnd() * 22.5 * 60 * MINUTE_MS, 1, now);
  return { id, now, dayBefore: settled };
}
