import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import {
  EventNotifier,
  ProjectionRunner,
  type EventStore,
  type Projection,
} from '@flotilla/event-store';
import {
  ClusterDirectory,
  ClusterInventory,
  databaseIdentity,
  HeartbeatStore,
  ProbeErrors,
} from '@flotilla/inventory';
import {
  applicationSetsProjection,
  applicationsProjection,
  clustersProjection,
  deliveriesProjection,
  fleetHistoryProjection,
  registrationTokensProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { BackingServices } from '../infra/backing-services';
import { CLOCK, EVENT_STORE, HUB_CONFIG, LOGGER, PG_POOL, REDIS } from '../infra/tokens';

/**
 * The hub's share of the cluster inventory: commands (through the log), the in-memory directory
 * of live clusters that authenticates agents, and the heartbeat store. Started once per replica.
 */
@Injectable()
export class FleetRuntime implements OnModuleInit, OnApplicationShutdown {
  readonly inventory: ClusterInventory;
  readonly directory: ClusterDirectory;
  private heartbeatStore: HeartbeatStore | null = null;
  private probeErrorStore: ProbeErrors | null = null;
  private identity: Promise<string> | null = null;
  private started = false;
  private stopping = false;
  private starting: Promise<void> = Promise.resolve();
  private readonly notifier: EventNotifier;
  private readonly runners: ProjectionRunner<never>[];
  /** Brings the fleet history to the head of the log before an `asOf` answer (never started). */
  private readonly history: ProjectionRunner<never>;
  /** Heartbeats get their own connection, auto-pipelined: thousands a second share writes. */
  private readonly heartbeatRedis: Redis;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(EVENT_STORE) store: EventStore<FlotillaEvent>,
    @Inject(CLOCK) now: () => Date,
    @Inject(LOGGER) private readonly logger: Logger,
    outages: BackingServices,
  ) {
    this.inventory = new ClusterInventory(pool, store, now);
    this.notifier = new EventNotifier(config.DATABASE_URL, (error) =>
      outages.postgres.failed(error),
    );
    this.directory = new ClusterDirectory(pool, store, this.notifier);
    this.heartbeatRedis = new Redis(config.REDIS_URL, {
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    this.heartbeatRedis.on('error', (error) => outages.redis.failed(error));
    this.heartbeatRedis.connect().catch(() => undefined);
    this.history = new ProjectionRunner(
      pool,
      store as EventStore<never>,
      fleetHistoryProjection as Projection<never>,
      null,
    );
    // Every replica also keeps the fleet read models current (checkpoint locks make that safe
    // alongside workers), so what a worker's sweep changed shows in queries within moments.
    this.runners = [
      clustersProjection,
      registrationTokensProjection,
      applicationSetsProjection,
      applicationsProjection,
      // The desired state the agent protocol serves, and its NOTIFY that wakes long-polls.
      deliveriesProjection,
      // What fleetSummary(asOf:) reads.
      fleetHistoryProjection,
    ].map(
      (projection) =>
        new ProjectionRunner(
          pool,
          store as EventStore<never>,
          projection as Projection<never>,
          this.notifier,
          {
            onFailure: (failure) => logger.error({ failure }, 'projection stopped at an event'),
          },
        ),
    );
  }

  /**
   * Starts in the background and retries until Postgres answers, so that the hub comes up (and
   * reports not ready) while its database is down; the agent protocol answers 503 until then.
   */
  onModuleInit(): void {
    this.starting = this.startWhenPossible();
  }

  /** Whether the directory is loaded (agent calls are answered only then). */
  get ready(): boolean {
    return this.started;
  }

  private async startWhenPossible(): Promise<void> {
    for (let delay = 500; !this.stopping; delay = Math.min(delay * 2, 10_000)) {
      try {
        await this.notifier.start();
        await this.inventory.catchUp();
        for (const runner of this.runners) await runner.start();
        await this.directory.start();
        this.started = true;
        this.logger.info({ clusters: this.directory.size }, 'cluster directory loaded');
        return;
      } catch (error) {
        await this.notifier.stop().catch(() => undefined);
        if (this.stopping) return;
        this.logger.warn(
          { err: (error as Error).message, retryInMs: delay },
          'fleet runtime cannot start yet (is Postgres up and migrated?); retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.starting;
    await this.directory.stop();
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.notifier.stop();
    this.heartbeatRedis.disconnect();
  }

  /**
   * Waits until this replica's reads reflect a write at `position`: the read model (queries) and
   * the directory (credentials) both. Called before answering any write.
   */
  async settle(position: bigint): Promise<void> {
    await this.inventory.catchUp();
    await this.directory.waitFor(position);
  }

  /**
   * Waits until the fleet history holds every event committed so far. Usually it already does
   * (the live runner keeps it there): two reads, no lock; only when it is behind does this request
   * catch it up (waiting for the live runner's batch, or applying the rest itself).
   */
  async settleHistory(): Promise<void> {
    const [status, head] = await Promise.all([
      this.history.status(),
      this.pool.query<{ head: string }>(
        'SELECT coalesce(max(global_position), 0) AS head FROM events',
      ),
    ]);
    // Position 0: perhaps not even set up yet (an empty log); catchUp creates the tables.
    if (status.position > 0n && status.position >= BigInt(head.rows[0]?.head ?? 0)) return;
    await this.history.catchUp();
  }

  /** The heartbeat store (its Redis keys are scoped to this database). */
  async heartbeats(): Promise<HeartbeatStore> {
    this.heartbeatStore ??= new HeartbeatStore(this.heartbeatRedis, await this.prefix());
    return this.heartbeatStore;
  }

  /** The last failed probe of each kubeconfig cluster (written by the worker). */
  async probeErrors(): Promise<ProbeErrors> {
    this.probeErrorStore ??= new ProbeErrors(this.heartbeatRedis, await this.prefix());
    return this.probeErrorStore;
  }

  /** The Redis key prefix of this database (read once; retried if the database was down). */
  prefix(): Promise<string> {
    this.identity ??= databaseIdentity(this.pool).catch((error: unknown) => {
      this.identity = null;
      throw error;
    });
    return this.identity;
  }
}
