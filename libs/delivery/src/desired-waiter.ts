import { Client } from 'pg';
import { DESIRED_CHANNEL } from '@flotilla/projections';

/** Why a wait ended. 'wake' means: re-read the revision (it may or may not have changed). */
export type WaitOutcome = 'wake' | 'timeout' | 'aborted';

export interface DesiredWaiterOptions {
  databaseUrl: string;
  /** Every waiter is woken this often to re-read, in case a NOTIFY was lost (ms). */
  safetyRecheckMs?: number;
  /** Delays between reconnect attempts of the LISTEN connection (ms). */
  reconnectDelaysMs?: readonly number[];
  onError?: (err: Error) => void;
  /** Called for each notification: that cluster's desired state may have changed. */
  onNotify?: (clusterId: string) => void;
  /** Called when notifications may have been missed (the connection was lost, or is back). */
  onReset?: () => void;
}

type Waker = (outcome: WaitOutcome) => void;

/**
 * One LISTEN connection per process on {@link DESIRED_CHANNEL}, fanning each NOTIFY out to the
 * long-polls of that cluster. Waiters are a Map clusterId → Set, so thousands of idle long-polls
 * cost one closure and one timer each. After a reconnect every waiter is woken, because
 * notifications sent while disconnected are lost.
 */
export class DesiredWaiter {
  private readonly waiters = new Map<string, Set<Waker>>();
  private client: Client | undefined;
  private stopped = false;
  private safety: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(private readonly options: DesiredWaiterOptions) {}

  /** Connects and LISTENs; resolves once listening. */
  async start(): Promise<void> {
    await this.connect();
    const every = this.options.safetyRecheckMs ?? 60_000;
    this.safety = setInterval(() => this.wakeAll(), every);
    this.safety.unref();
  }

  /** Waits until the cluster's desired state may have changed, the timeout, or the abort. */
  wait(clusterId: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (this.stopped || signal?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const set = this.waiters.get(clusterId) ?? new Set<Waker>();
      this.waiters.set(clusterId, set);
      const finish: Waker = (outcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(finish);
        if (set.size === 0 && this.waiters.get(clusterId) === set) this.waiters.delete(clusterId);
        resolve(outcome);
      };
      const onAbort = () => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      set.add(finish);
    });
  }

  /** Whether notifications are being received now (what they say can be relied on). */
  get listening(): boolean {
    return this.client !== undefined && !this.stopped;
  }

  /** How many long-polls are waiting (for metrics and tests). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** Ends every wait ('aborted') and closes the connection: hub shutdown never hangs on polls. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.safety) clearInterval(this.safety);
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w('aborted');
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private wake(clusterId: string): void {
    const set = this.waiters.get(clusterId);
    if (set) for (const w of [...set]) w('wake');
  }

  private wakeAll(): void {
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w('wake');
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl });
    client.on('notification', (msg) => {
      if (msg.channel !== DESIRED_CHANNEL || !msg.payload) return;
      this.options.onNotify?.(msg.payload);
      this.wake(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('LISTEN connection ended')));
    await client.connect();
    await client.query(`LISTEN ${DESIRED_CHANNEL}`);
    this.client = client;
    this.attempt = 0;
  }

  /** The LISTEN connection failed: reconnect with backoff, then wake everyone to re-read. */
  private lost(client: Client, err: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    this.options.onReset?.();
    this.options.onError?.(err);
    client.end().catch(() => undefined);
    const delays = this.options.reconnectDelaysMs ?? [100, 500, 1000, 2000, 5000];
    const retry = () => {
      if (this.stopped) return;
      const delay = delays[Math.min(this.attempt, delays.length - 1)] ?? 1000;
      this.attempt += 1;
      setTimeout(() => {
        this.connect().then(
          () => {
            this.options.onReset?.();
            this.wakeAll();
          },
          (e: unknown) => {
            this.options.onError?.(e instanceof Error ? e : new Error(String(e)));
            retry();
          },
        );
      }, delay).unref();
    };
    retry();
  }
}
