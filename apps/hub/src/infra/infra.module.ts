import {
  Global,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  Inject,
} from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import { createPool } from '@flotilla/database';
import { EventRegistry, EventStore } from '@flotilla/event-store';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { TokenVerifier } from '../auth/token-verifier';
import { filePolicySource } from '../authz/file-policy.source';
import { PolicyProvider, type PolicySource } from '../authz/policy-provider';
import { HubMetrics } from '../metrics/hub-metrics';
import { BackingServices } from './backing-services';
import { ConnectionDrain } from './connection-drain';
import {
  EVENT_STORE,
  HUB_CONFIG,
  HUB_METRICS,
  LOGGER,
  PG_POOL,
  POLICY_PROVIDER,
  REDIS,
  TOKEN_VERIFIER,
} from './tokens';

/** Closes the connections when the hub shuts down (after in-flight requests finish). */
class Connections implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
    await this.pool.end();
  }
}

/**
 * The hub's shared resources: configuration, Postgres, Redis, the event store, token checks and
 * the metrics registry.
 */
@Global()
@Module({})
export class InfraModule {
  static create(
    config: HubConfig,
    logger: Logger,
    registry: EventRegistry,
    policySources: (pool: Pool, redis: Redis) => PolicySource[] = () => [],
  ): DynamicModule {
    const outages = new BackingServices(config, logger);
    const providers = [
      { provide: HUB_CONFIG, useValue: config },
      { provide: BackingServices, useValue: outages },
      { provide: LOGGER, useValue: logger },
      {
        provide: PG_POOL,
        useFactory: () =>
          createPool(config.DATABASE_URL, {
            applicationName: 'flotilla-hub',
            onIdleError: (error) => outages.postgres.failed(error),
            onConnect: () => outages.postgres.recovered(),
          }),
      },
      {
        provide: REDIS,
        useFactory: () => {
          const redis = new Redis(config.REDIS_URL, {
            lazyConnect: true,
            maxRetriesPerRequest: 1,
            enableOfflineQueue: false,
          });
          redis.on('error', (error) => outages.redis.failed(error));
          redis.on('ready', () => outages.redis.recovered());
          redis.connect().catch(() => undefined); // readiness reports it; ioredis keeps retrying
          return redis;
        },
      },
      {
        provide: EVENT_STORE,
        inject: [PG_POOL],
        useFactory: (pool: Pool) => new EventStore(pool, registry),
      },
      {
        provide: TOKEN_VERIFIER,
        useValue: new TokenVerifier({
          audience: config.AUTH_AUDIENCE,
          ...(config.AUTH_JWT_SECRET ? { secret: config.AUTH_JWT_SECRET } : {}),
          ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : {}),
          ...(config.AUTH_ISSUER ? { issuer: config.AUTH_ISSUER } : {}),
        }),
      },
      {
        provide: POLICY_PROVIDER,
        inject: [PG_POOL, REDIS],
        useFactory: (pool: Pool, redis: Redis) =>
          new PolicyProvider(
            [],
            [
              ...(config.AUTH_POLICY_FILE ? [filePolicySource(config.AUTH_POLICY_FILE)] : []),
              ...policySources(pool, redis),
            ],
          ),
      },
      {
        provide: HUB_METRICS,
        inject: [PG_POOL],
        useFactory: (pool: Pool) => new HubMetrics(pool, logger),
      },
      Connections,
      ConnectionDrain,
    ];
    return {
      module: InfraModule,
      providers,
      exports: [
        HUB_CONFIG,
        LOGGER,
        PG_POOL,
        REDIS,
        EVENT_STORE,
        TOKEN_VERIFIER,
        POLICY_PROVIDER,
        HUB_METRICS,
        ConnectionDrain,
        BackingServices,
      ],
    };
  }
}
