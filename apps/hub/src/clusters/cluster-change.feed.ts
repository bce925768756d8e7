import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { evolveCluster, type ClusterEvent, type ClusterState } from '@flotilla/domain';
import type { EventStore, StoredOf } from '@flotilla/event-store';
import { foldCluster } from '@flotilla/inventory';
import { clusterIdOf, clustersProjection, type FlotillaEvent } from '@flotilla/projections';
import type { HubConfig } from '@flotilla/config';
import { EventEmitter, on } from 'node:events';
import { LogFollower } from '../infra/log-follower';
import { EVENT_STORE, HUB_CONFIG } from '../infra/tokens';
import type { ClusterChange, ClusterConnectivity } from './cluster.model';

/**
 * Cluster events as they commit, for the `clusterChanged` subscription. Every replica follows
 * the log itself (woken by NOTIFY), so a subscriber sees every change whichever replica or worker
 * made it, with no broker in between.
 */
@Injectable()
export class ClusterChangeFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly emitter = new EventEmitter();
  private readonly follower: LogFollower<ClusterEvent>;
  /** Name, tenant and labels per cluster, to describe each change. */
  private readonly states = new Map<string, ClusterState>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore<FlotillaEvent>,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.emitter.setMaxListeners(0);
    this.follower = new LogFollower<ClusterEvent>(
      store as unknown as EventStore<ClusterEvent>,
      config.DATABASE_URL,
      {
        types: clustersProjection.handles,
        handle: async (events) => {
          for (const e of events) await this.publish(e);
        },
      },
    );
  }

  /** Starts following the log once the database answers (retrying in the background). */
  onModuleInit(): void {
    this.follower.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
  }

  /** Calls `listener` with the tenant of every cluster change. */
  onFleetChange(listener: (tenant: string) => void): () => void {
    const forward = (change: ClusterChange) => listener(change.tenant);
    this.emitter.on('change', forward);
    return () => this.emitter.off('change', forward);
  }

  /** How many subscribers are listening on this replica. */
  get subscribers(): number {
    return this.emitter.listenerCount('change');
  }

  /** Changes as they happen, those `accept` lets through, until the subscriber leaves. */
  async *changes(accept: (change: ClusterChange) => boolean): AsyncGenerator<ClusterChange> {
    const abort = new AbortController();
    try {
      for await (const [change] of on(this.emitter, 'change', { signal: abort.signal })) {
        if (accept(change as ClusterChange)) yield change as ClusterChange;
      }
    } finally {
      abort.abort();
    }
  }

  private async publish(e: StoredOf<ClusterEvent>): Promise<void> {
    const id = clusterIdOf(e.streamId);
    const before = this.states.get(id) ?? (await this.stateBefore(e));
    const state = evolveCluster(before, { type: e.type, data: e.data } as ClusterEvent);
    this.states.set(id, state);
    if (state.status === 'absent') return;
    const change: ClusterChange = {
      type: e.type,
      clusterId: id,
      tenant: state.tenant,
      name: state.name,
      position: e.globalPosition.toString(),
      at: e.recordedAt,
      connectivity:
        state.status === 'registered' ? (state.connectivity as ClusterConnectivity) : null,
      // A deregistered cluster keeps the labels it had, so selectors still match its departure.
      labels:
        state.status === 'registered'
          ? state.labels
          : before.status === 'registered'
            ? before.labels
            : {},
      deregistered: state.status === 'deregistered',
    };
    if (state.status === 'deregistered') this.states.delete(id);
    this.emitter.emit('change', change);
  }

  /** A cluster first seen by this replica: its state just before `e`, from its stream. */
  private async stateBefore(e: StoredOf<ClusterEvent>): Promise<ClusterState> {
    const history = (await this.store.readStream(e.streamId, {
      limit: e.streamVersion - 1,
    })) as StoredOf<ClusterEvent>[];
    return foldCluster(history);
  }
}
