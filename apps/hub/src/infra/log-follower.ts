import {
  EventNotifier,
  LogSubscription,
  type EventStore,
  type StoredOf,
} from '@flotilla/event-store';

/**
 * Follows the log from its head as events commit (woken by NOTIFY, polling when idle), handing
 * each batch of the given types to `handle`. Starts in the background and retries until the
 * database answers, so a hub whose database is down still starts. Each replica runs its own.
 */
export class LogFollower<E extends { type: string; data: unknown }> {
  private subscription: LogSubscription<E> | null = null;
  private readonly notifier: EventNotifier;
  private stopping = false;
  private starting: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EventStore<E>,
    databaseUrl: string,
    private readonly options: {
      types: readonly string[];
      handle: (events: StoredOf<E>[]) => Promise<void>;
    },
  ) {
    this.notifier = new EventNotifier(databaseUrl);
  }

  start(): void {
    this.starting = this.startWhenPossible();
  }

  private async startWhenPossible(): Promise<void> {
    for (let delay = 500; !this.stopping; delay = Math.min(delay * 2, 10_000)) {
      try {
        await this.notifier.start();
        const from = await this.store.headPosition();
        this.subscription = new LogSubscription<E>(this.store, this.notifier, {
          from,
          types: [...this.options.types],
          idlePollMs: 1_000,
          handle: (events) => this.options.handle(events),
        });
        this.subscription.start();
        return;
      } catch {
        await this.notifier.stop().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.starting;
    await this.subscription?.stop();
    await this.notifier.stop();
  }
}
