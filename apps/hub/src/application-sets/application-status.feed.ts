import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import { deliveryApplicationIdOf } from '@flotilla/domain';
import type { EventStore, StoredOf } from '@flotilla/event-store';
import type { FlotillaEvent } from '@flotilla/projections';
import { EventEmitter } from 'node:events';
import { LogFollower } from '../infra/log-follower';
import { EVENT_STORE, HUB_CONFIG } from '../infra/tokens';
import { HealthStatus, SyncStatus } from './application-delivery.model';
import { ApplicationSetReadModel } from './application-set.read-model';
import type { ApplicationStatusChange } from './application-status.model';

type StatusEvent = Extract<
  FlotillaEvent,
  { type: 'ApplicationStatusChanged' | 'ApplicationCreated' | 'ApplicationDeleted' }
>;

/**
 * `ApplicationStatusChanged` events as they commit, described with their Application (tenant,
 * ApplicationSet, cluster and its labels), for the `applicationStatusChanged` subscription. Every
 * replica follows the log itself (woken by NOTIFY), like the cluster feed.
 */
@Injectable()
export class ApplicationStatusFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly emitter = new EventEmitter();
  private readonly follower: LogFollower<StatusEvent>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore<FlotillaEvent>,
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly reads: ApplicationSetReadModel,
  ) {
    this.emitter.setMaxListeners(0);
    this.follower = new LogFollower<StatusEvent>(
      store as unknown as EventStore<StatusEvent>,
      config.DATABASE_URL,
      {
        types: ['ApplicationStatusChanged', 'ApplicationCreated', 'ApplicationDeleted'],
        handle: (events) => this.publish(events),
      },
    );
  }

  onModuleInit(): void {
    this.follower.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
  }

  /** How many subscribers are listening on this replica. */
  get subscribers(): number {
    return this.emitter.listenerCount('change');
  }

  /**
   * The changes `accept` lets through until the subscriber leaves, throttled: what arrives within
   * `throttleMs` of the first change is sent together, each Application once, with its latest.
   */
  async *changes(
    accept: (change: ApplicationStatusChange) => boolean,
    throttleMs: number,
  ): AsyncGenerator<ApplicationStatusChange> {
    const pending = new Map<string, ApplicationStatusChange>();
    let wake: (() => void) | undefined;
    const listener = (change: ApplicationStatusChange) => {
      if (!accept(change)) return;
      pending.set(change.applicationId, change);
      wake?.();
    };
    this.emitter.on('change', listener);
    try {
      for (;;) {
        if (pending.size === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (throttleMs > 0) await new Promise((resolve) => setTimeout(resolve, throttleMs));
        const batch = [...pending.values()];
        pending.clear();
        for (const change of batch) yield change;
      }
    } finally {
      this.emitter.off('change', listener);
    }
  }

  /** Calls `listener` with the tenant of every Application created, deleted or reported on. */
  onFleetChange(listener: (tenant: string) => void): () => void {
    this.emitter.on('fleet', listener);
    return () => this.emitter.off('fleet', listener);
  }

  private async publish(events: StoredOf<StatusEvent>[]): Promise<void> {
    for (const e of events)
      if (e.metadata.tenantId) this.emitter.emit('fleet', e.metadata.tenantId);
    const statuses = events.filter(
      (e): e is StoredOf<Extract<StatusEvent, { type: 'ApplicationStatusChanged' }>> =>
        e.type === 'ApplicationStatusChanged',
    );
    if (statuses.length === 0) return;
    const ids = statuses.map((e) => deliveryApplicationIdOf(e.streamId));
    const apps = new Map((await this.reads.getApplications(ids)).map((a) => [a.id, a]));
    for (const e of statuses) {
      const app = apps.get(deliveryApplicationIdOf(e.streamId));
      if (!app) continue;
      const d = e.data;
      this.emitter.emit('change', {
        applicationId: app.id,
        name: app.name,
        tenant: app.tenant,
        applicationSetId: app.application_set_id,
        clusterId: d.clusterId,
        clusterName: app.cluster_name,
        clusterLabels: (app.cluster_labels ?? {}) as Record<string, string>,
        commit: d.commit,
        sync: d.sync as SyncStatus,
        health: d.health as HealthStatus,
        message: d.message,
        observedAt: new Date(d.observedAt),
        position: e.globalPosition.toString(),
      } satisfies ApplicationStatusChange);
    }
  }
}
