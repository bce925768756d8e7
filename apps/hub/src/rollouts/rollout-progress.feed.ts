import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import { rolloutIdOf, type RolloutEvent } from '@flotilla/domain';
import type { EventStore, StoredOf } from '@flotilla/event-store';
import { rolloutsProjection, type FlotillaEvent } from '@flotilla/projections';
import { EventEmitter } from 'node:events';
import { LogFollower } from '../infra/log-follower';
import { EVENT_STORE, HUB_CONFIG } from '../infra/tokens';
import { RolloutReadModel, type RolloutRow } from './rollout.read-model';

/**
 * Rollouts as their streams get events, for the `rolloutProgress` subscription. Every replica
 * follows the log itself (woken by NOTIFY), like the status and cluster feeds. A batch that
 * touches a watched rollout brings the read model to the head first (the worker may not have
 * applied those events yet), so a subscriber gets the rollout as of the events that woke it, read
 * exactly as `rollout(id)` reads it; unwatched rollouts cost nothing.
 */
@Injectable()
export class RolloutProgressFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly emitter = new EventEmitter();
  private readonly follower: LogFollower<RolloutEvent>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore<FlotillaEvent>,
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly reads: RolloutReadModel,
  ) {
    this.emitter.setMaxListeners(0);
    this.follower = new LogFollower<RolloutEvent>(
      store as unknown as EventStore<RolloutEvent>,
      config.DATABASE_URL,
      { types: rolloutsProjection.handles, handle: (events) => this.publish(events) },
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
    return this.emitter.eventNames().reduce((n, name) => n + this.emitter.listenerCount(name), 0);
  }

  /**
   * The rollout now (`current`, read on the first pull; the listener is on from the call, so
   * nothing falls in between), then each time its stream gets events, until the subscriber
   * leaves. A subscriber that falls behind gets the latest only, never an older version than one
   * it got. An iterator rather than an async generator: a generator waiting for the next event
   * cannot be returned until one comes, and a finished rollout's never does.
   */
  progress(
    id: string,
    current: () => Promise<RolloutRow | null>,
  ): AsyncIterableIterator<RolloutRow> {
    const state = { started: false, closed: false, sent: 0, pending: null as RolloutRow | null };
    let wake: (() => void) | undefined;
    const listener = (row: RolloutRow) => {
      if (state.pending === null || row.version > state.pending.version) state.pending = row;
      wake?.();
    };
    const close = () => {
      if (state.closed) return;
      state.closed = true;
      this.emitter.off(id, listener);
      wake?.();
    };
    this.emitter.on(id, listener);
    const done = { value: undefined, done: true } as const;
    const iterator: AsyncIterableIterator<RolloutRow> = {
      next: async () => {
        if (!state.started) {
          state.started = true;
          const row = await current();
          if (row && !state.closed) {
            state.sent = row.version;
            return { value: row, done: false };
          }
        }
        while (!state.closed) {
          const row = state.pending;
          state.pending = null;
          if (row && row.version > state.sent) {
            state.sent = row.version;
            return { value: row, done: false };
          }
          if (!row) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        return done;
      },
      return: async () => {
        close();
        return done;
      },
      throw: async (error: unknown) => {
        close();
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private async publish(events: StoredOf<RolloutEvent>[]): Promise<void> {
    const ids = [...new Set(events.map((e) => rolloutIdOf(e.streamId)))].filter(
      (id) => this.emitter.listenerCount(id) > 0,
    );
    if (ids.length === 0) return;
    await this.reads.settle();
    for (const row of await this.reads.getMany(ids)) this.emitter.emit(row.id, row);
  }
}
