import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import { EventNotifier, type EventStore } from '@flotilla/event-store';
import {
  ClusterDirectory,
  ClusterInventory,
  databaseIdentity,
  HeartbeatStore,
} from '@flotilla/inventory';
import type { FlotillaEvent } from '@flotilla/projections';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
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
  private identity: Promise<string> | null = null;
  private readonly notifier: EventNotifier;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(EVENT_STORE) store: EventStore<FlotillaEvent>,
    @Inject(CLOCK) now: () => Date,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.inventory = new ClusterInventory(pool, store, now);
    this.notifier = new EventNotifier(config.DATABASE_URL, (error) =>
      logger.warn({ err: error.message }, 'event notifications interrupted; reconnecting'),
    );
    this.directory = new ClusterDirectory(pool, store, this.notifier);
  }

  async onModuleInit(): Promise<void> {
    await this.notifier.start();
    await this.inventory.catchUp();
    await this.directory.start();
    this.logger.info({ clusters: this.directory.size }, 'cluster directory loaded');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.directory.stop();
    await this.notifier.stop();
  }

  /** The heartbeat store (its Redis keys are scoped to this database). */
  async heartbeats(): Promise<HeartbeatStore> {
    this.heartbeatStore ??= new HeartbeatStore(this.redis, await this.prefix());
    return this.heartbeatStore;
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
