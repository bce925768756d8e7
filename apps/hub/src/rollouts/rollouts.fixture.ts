// Test helpers for the rollouts API: what the worker and the agents would do around the hub.
// The worker's part is the real rollout engine, ticked here instead of by BullMQ; the renderer
// holds renderings (ApplicationRenderStaged) and the agents report them, as events.
import { createHash } from 'node:crypto';
import { deliveryStream, type DeliveryEvent } from '@flotilla/domain';
import { ProjectionRunner, type EventStore, type Projection } from '@flotilla/event-store';
import {
  clustersProjection,
  DELIVERIES_TABLE,
  tenantsProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import { RolloutEngine } from '@flotilla/rollouts';
import { poolOf, settle, storeOf } from '../application-sets/application-sets.fixture';
import type { TestHub } from '../testing/test-hub';
import { RolloutReadModel } from './rollout.read-model';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** A Git commit id for revision `n`. */
export const commitOf = (n: number) => sha(`commit-${n}`).slice(0, 40);
/** The bundle an Application gets at revision `n`. */
export const bundleOf = (app: string, n: number) => sha(`bundle-${app}-${n}`);

interface DeliveryRow {
  application_id: string;
  cluster_id: string;
  tenant: string;
  name: string;
  app_digest: string;
  namespace: string;
  bundle_id: string | null;
  commit: string | null;
  status_bundle_id: string | null;
}

/** An ApplicationSet manifest (JSON text) with a cluster generator and `strategy`. */
export const strategyManifest = (name: string, tenant: string, strategy: unknown) =>
  JSON.stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name },
    spec: {
      goTemplate: true,
      generators: [{ clusters: {} }],
      strategy,
      template: {
        metadata: { name: `{{.name}}-${name}` },
        spec: {
          project: 'default',
          source: {
            repoURL: `https://github.com/${tenant}/apps.git`,
            targetRevision: 'main',
            path: name,
          },
          destination: { server: '{{.server}}', namespace: name },
        },
      },
    },
  });

/** The worker and the agents of a test hub's fleet. */
export class SimulatedFleet {
  readonly engine: RolloutEngine;
  /** Health each Application (by name) reports for the newest bundle it was given. */
  readonly health = new Map<string, 'Healthy' | 'Degraded'>();
  private readonly store: EventStore<FlotillaEvent>;

  constructor(private readonly hub: TestHub) {
    this.store = storeOf(hub) as EventStore<FlotillaEvent>;
    this.engine = new RolloutEngine(poolOf(hub), this.store);
  }

  /** Brings the read models the engine reads (clusters and tenants too) to the log's head. */
  async settle(): Promise<void> {
    for (const projection of [clustersProjection, tenantsProjection])
      await new ProjectionRunner(
        poolOf(this.hub),
        this.store as EventStore<never>,
        projection as Projection<never>,
        null,
      ).catchUp();
    await settle(this.hub);
  }

  /** The rollouts read model at the log's head, as the worker's projection would have it. */
  project(): Promise<void> {
    return this.hub.app.get(RolloutReadModel).settle();
  }

  private async deliveries(setId: string): Promise<DeliveryRow[]> {
    const { rows } = await poolOf(this.hub).query<DeliveryRow>(
      `SELECT application_id, cluster_id, tenant, name, app_digest, namespace, bundle_id, commit,
              status_bundle_id
         FROM ${DELIVERIES_TABLE} WHERE application_set_id = $1 AND NOT deleted ORDER BY name`,
      [setId],
    );
    return rows;
  }

  /** What each Application runs now: name → bundle. */
  async running(setId: string): Promise<Map<string, string | null>> {
    return new Map((await this.deliveries(setId)).map((d) => [d.name, d.bundle_id]));
  }

  /**
   * Revision `n` of every Application of the ApplicationSet, as the renderer writes it: released
   * at once (`hold` false, as before the ApplicationSet had a rollout) or held for a rollout.
   */
  async render(setId: string, n: number, hold: boolean): Promise<void> {
    await this.settle();
    for (const d of await this.deliveries(setId)) {
      const rendering = {
        clusterId: d.cluster_id,
        digest: d.app_digest,
        targetRevision: 'main',
        commit: commitOf(n),
        bundleId: bundleOf(d.name, n),
        sourceType: 'Directory' as const,
        objectCount: 1,
        namespace: d.namespace,
        prune: true,
        selfHeal: false,
      };
      const event: DeliveryEvent = hold
        ? { type: 'ApplicationRenderStaged', data: rendering }
        : { type: 'ApplicationRendered', data: rendering };
      await this.store.append(deliveryStream(d.application_id), 'any', [event], {
        actor: 'system:renderer',
        tenantId: d.tenant,
      });
    }
    await this.settle();
  }

  /** Each cluster reports what it was given and has not reported yet; answers how many did. */
  async report(setId: string): Promise<number> {
    await this.settle();
    const due = (await this.deliveries(setId)).filter(
      (d) => d.bundle_id !== null && d.bundle_id !== d.status_bundle_id,
    );
    for (const d of due)
      await this.store.append(
        deliveryStream(d.application_id),
        'any',
        [
          {
            type: 'ApplicationStatusChanged',
            data: {
              clusterId: d.cluster_id,
              commit: d.commit,
              bundleId: d.bundle_id,
              sync: 'Synced',
              health: this.health.get(d.name) ?? 'Healthy',
              message: '',
              resourceCount: 1,
              problems: [],
              observedAt: new Date().toISOString(),
              reporter: 'agent',
            },
          },
        ],
        { actor: `agent:${d.cluster_id}`, tenantId: d.tenant },
      );
    await this.settle();
    return due.length;
  }

  /**
   * Reports and ticks until nothing moves (a gate, a pause, or the end), as agents and the worker
   * would; then projects the rollouts read model.
   */
  async drive(setId: string): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const reported = await this.report(setId);
      const { appended } = await this.engine.tick(setId);
      if (reported === 0 && appended === 0) {
        await this.project();
        return;
      }
    }
    throw new Error(`rollouts of ${setId} did not settle in 50 rounds`);
  }
}
