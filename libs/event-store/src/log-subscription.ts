import type { EventNotifier } from './event-notifier';
import type { EventStore } from './event-store';
import type { StoredOf } from './types';
import { WakeLoop } from './wake-loop';

export interface LogSubscriptionOptions<E extends { type: string; data: unknown }> {
  /** Deliver events after this position (0n = from the start). */
  from: bigint;
  types?: readonly string[];
  tenantId?: string;
  batchSize?: number;
  idlePollMs?: number;
  /** Called with each batch in global order; the position advances only when it resolves. */
  handle: (events: StoredOf<E>[]) => Promise<void>;
  onError?: (error: unknown) => void;
}

/**
 * An in-process subscriber to the whole log: at-least-once, in global order, never skipping an
 * event (positions are assigned in commit order, see append_events). Its position lives in
 * memory; for exactly-once work that survives restarts use a projection.
 */
export class LogSubscription<E extends { type: string; data: unknown }> {
  private position: bigint;
  private failures = 0;
  private readonly loop: WakeLoop;
  /** Callers of {@link sync} waiting for a pass that began after they asked. */
  private syncers: (() => void)[] = [];

  constructor(
    private readonly store: EventStore<E>,
    notifier: EventNotifier | null,
    private readonly options: LogSubscriptionOptions<E>,
  ) {
    this.position = options.from;
    this.loop = new WakeLoop(() => this.step(), notifier, options.idlePollMs ?? 5_000);
  }

  get currentPosition(): bigint {
    return this.position;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops after the pass in progress; pending {@link sync} calls resolve. */
  async stop(): Promise<void> {
    await this.loop.stop();
    for (const resolve of this.syncers.splice(0)) resolve();
  }

  /**
   * Resolves once a pass that began after this call has handled everything: every event
   * committed before the call (positions follow commit order) has then been handled. Calls made
   * while a pass runs share the next one, so a burst costs one read.
   */
  sync(): Promise<void> {
    return new Promise((resolve) => {
      this.syncers.push(resolve);
      this.loop.wake();
    });
  }

  private async step(): Promise<{ more: boolean; retryInMs?: number }> {
    const limit = this.options.batchSize ?? 500;
    const waiting = this.syncers.splice(0);
    // Not answered by this pass (more to read, or it failed): by a later one.
    const carry = () => this.syncers.unshift(...waiting);
    try {
      const events = await this.store.readAll({
        after: this.position,
        limit,
        ...(this.options.types ? { types: this.options.types } : {}),
        ...(this.options.tenantId !== undefined ? { tenantId: this.options.tenantId } : {}),
      });
      const last = events[events.length - 1];
      if (last) {
        await this.options.handle(events);
        this.position = last.globalPosition;
      }
      this.failures = 0;
      const more = events.length === limit;
      if (more) carry();
      else for (const resolve of waiting) resolve();
      return { more };
    } catch (error) {
      carry();
      this.options.onError?.(error);
      this.failures++;
      return { more: false, retryInMs: Math.min(100 * 2 ** this.failures, 30_000) };
    }
  }
}
