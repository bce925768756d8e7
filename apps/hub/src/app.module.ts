import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type CanActivate, type DynamicModule, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { HubConfig } from '@flotilla/config';
import { flotillaEventRegistry, tenantsProjection } from '@flotilla/projections';
import { PolicyVersion } from './authz/policy-version';
import type { Logger } from 'pino';
import { AccessGuard } from './auth/access.guard';
import type { TokenVerifier } from './auth/token-verifier';
import { AuditLogResolver } from './audit/audit-log.resolver';
import { graphqlOptions } from './graphql/graphql.options';
import { HealthController } from './health/health.controller';
import { HealthResolver } from './health/health.resolver';
import { InfraModule } from './infra/infra.module';
import { CLOCK, HUB_CONFIG, LOGGER, TOKEN_VERIFIER } from './infra/tokens';
import { HistoryResolver } from './audit/history.resolver';
import { tenantPolicySource } from './tenants/tenant-policy.source';
import { TenantResolver } from './tenants/tenant.resolver';
import { TenantService } from './tenants/tenant.service';

/** The hub's composition root. */
@Module({})
export class AppModule {
  /**
   * `guard` replaces the access guard only for the authorisation benchmark, which measures the
   * same request with and without it; no configuration or environment variable reaches it.
   */
  static create(
    config: HubConfig,
    logger: Logger,
    guard: Type<CanActivate> = AccessGuard,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfraModule.create(config, logger, flotillaEventRegistry(), (pool, redis) => [
          tenantPolicySource(pool, new PolicyVersion(pool, redis, tenantsProjection)),
        ]),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [HUB_CONFIG, TOKEN_VERIFIER, LOGGER],
          useFactory: (c: HubConfig, verifier: TokenVerifier, log: Logger) =>
            graphqlOptions(c, verifier, log),
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: guard },
        { provide: CLOCK, useValue: () => new Date() },
        HealthResolver,
        AuditLogResolver,
        HistoryResolver,
        TenantService,
        TenantResolver,
      ],
    };
  }
}
