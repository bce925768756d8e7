import { Client } from 'pg';
import type { Logger } from 'pino';

export interface ChannelTriggersOptions {
  databaseUrl: string;
  /** The Postgres channel; each notification's payload is one key (a cluster id, an id). */
  channel: string;
  /** Notifications within this window are flushed together, each key once. */
  coalesceMs: number;
  /** What the notifications are about, for the log. */
  what: string;
  logger: Logger;
  /** Queues the work for these keys. */
  flush: (keys: string[]) => Promise<unknown>;
  /** Queues whatever may be due, at start and after a lost connection (notifications were lost). */
  resync: () => Promise<unknown>;
}

/**
 * Turns Postgres notifications into queued work: LISTENs on one channel, gathers the payloads of
 * a burst into one flush, and after a lost connection reconnects and resyncs (what was notified
 * meanwhile is gone). Projections notify inside their transactions, so a flush runs only for
 * what has committed.
 */
export class ChannelTriggers {
  private client: Client | null = null;
  private stopped = false;
  private readonly pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ChannelTriggersOptions) {}

  async start(): Promise<void> {
    await this.connect();
    await this.options.resync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.flushTimer);
    await this.client?.end().catch(() => undefined);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.stopped || this.pending.size === 0) return;
    const keys = [...this.pending];
    this.pending.clear();
    this.options
      .flush(keys)
      .catch((error: Error) =>
        this.options.logger.warn({ err: error.message, keys }, `cannot queue ${this.options.what}`),
      );
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl });
    client.on('notification', (n) => {
      if (!n.payload) return;
      this.pending.add(n.payload);
      this.flushTimer ??= setTimeout(() => this.flush(), this.options.coalesceMs);
    });
    client.on('error', (error) => {
      this.options.logger.warn(
        { err: error.message },
        `${this.options.what} notifications lost; reconnecting`,
      );
      void client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.reconnect(), 1_000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${this.options.channel}`);
    this.client = client;
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.connect();
      await this.options.resync();
    } catch (error) {
      this.options.logger.warn(
        { err: (error as Error).message },
        `${this.options.what} notifications: retrying`,
      );
      setTimeout(() => void this.reconnect(), 2_000).unref();
    }
  }
}
