import { Client } from 'pg';
import { EVENTS_CHANNEL } from './event-store';

type Listener = () => void;

/**
 * One LISTEN connection per process that wakes every subscriber when an append commits.
 * Reconnects with backoff; after a reconnect it wakes everyone, since notifications sent
 * while disconnected are lost (subscribers then read from their checkpoints).
 */
export class EventNotifier {
  private client: Client | null = null;
  private readonly listeners = new Set<Listener>();
  private stopped = false;
  private retryMs = 100;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  /** Connects and starts listening; resolves once the first LISTEN is in place. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  /** Registers a wake-up callback; returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private wakeAll(): void {
    for (const listener of this.listeners) listener();
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.databaseUrl,
      application_name: 'flotilla-listen',
    });
    client.on('notification', () => this.wakeAll());
    client.on('error', (error) => {
      this.onError(error);
      this.scheduleReconnect(client);
    });
    client.on('end', () => this.scheduleReconnect(client));
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
    this.retryMs = 100;
    this.wakeAll();
  }

  private scheduleReconnect(failed: Client): void {
    if (this.stopped || this.client !== failed || this.reconnectTimer) return;
    this.client = null;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch((error: Error) => {
        this.onError(error);
        this.client = failed; // let scheduleReconnect pass its identity check again
        this.scheduleReconnect(failed);
      });
    }, delay);
  }
}
