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

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async step(): Promise<{ more: boolean; retryInMs?: number }> {
    const limit = this.options.batchSize ?? 500;
    try {
      const events = await this.store.readAll({
        after: this.position,
        limit,
        ...(this.options.types ? { types: this.options.types } : {}),
        ...(this.options.tenantId !== undefined ? { tenantId: this.options.tenantId } : {}),
      });
      const last = events[events.length - 1];
      if (!last) return { more: false };
      await this.options.handle(events);
      this.position = last.globalPosition;
      this.failures = 0;
      return { more: events.length === limit };
    } catch (error) {
      this.options.onError?.(error);
      this.failures++;
      return { more: false, retryInMs: Math.min(100 * 2 ** this.failures, 30_000) };
    }
  }
}
