import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type CanActivate, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { HubConfig } from '@flotilla/config';
import { flotillaEventRegistry, tenantsProjection } from '@flotilla/projections';
import { PolicyVersion } from './authz/policy-version';
import type { Logger } from 'pino';
import { AccessGuard } from './auth/access.guard';
import type { TokenVerifier } from './auth/token-verifier';
import { AuditLogResolver } from './audit/audit-log.resolver';
import { GraphqlErrorPassThrough } from './graphql/graphql-exception.filter';
import { graphqlOptions } from './graphql/graphql.options';
import { HealthController } from './health/health.controller';
import { HealthResolver } from './health/health.resolver';
import { BackingServices } from './infra/backing-services';
import { ConnectionDrain } from './infra/connection-drain';
import { InfraModule } from './infra/infra.module';
import { CLOCK, HUB_CONFIG, HUB_METRICS, LOGGER, TOKEN_VERIFIER } from './infra/tokens';
import type { HubMetrics } from './metrics/hub-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { HistoryResolver } from './audit/history.resolver';
import { tenantPolicySource } from './tenants/tenant-policy.source';
import { TenantResolver } from './tenants/tenant.resolver';
import { TenantService } from './tenants/tenant.service';
import { AgentProtocolController } from './agent-protocol/agent-protocol.controller';
import { AgentProtocolService } from './agent-protocol/agent-protocol.service';
import { DeliveryProtocolService } from './agent-protocol/delivery-protocol.service';
import { FleetRuntime } from './clusters/fleet-runtime';
import { ClusterChangeFeed } from './clusters/cluster-change.feed';
import { ApplicationStatusFeed } from './application-sets/application-status.feed';
import { ClusterResolver } from './clusters/cluster.resolver';
import { ClusterService } from './clusters/cluster.service';
import { KubeconfigClusterService } from './clusters/kubeconfig-cluster.service';
import { RegistrationTokenResolver } from './registration-tokens/registration-token.resolver';
import { RepositoryCredentialResolver } from './repositories/repository-credential.resolver';
import { RegistrationTokenService } from './registration-tokens/registration-token.service';
import { GitRefreshQueue } from './webhooks/git-refresh.queue';
import { GitWebhookController } from './webhooks/git-webhook.controller';
import { ApplicationSetPreviewResolver } from './application-sets/application-set-preview.resolver';
import { ApplicationSetPreviewService } from './application-sets/application-set-preview.service';
import { ApplicationSetReadModel } from './application-sets/application-set.read-model';
import { ApplicationSetResolver } from './application-sets/application-set.resolver';
import { ApplicationSetService } from './application-sets/application-set.service';
import { ApplicationResolver } from './application-sets/application.resolver';
import { NotificationRuleReadModel } from './notifications/notification-rule.read-model';
import { NotificationRuleResolver } from './notifications/notification-rule.resolver';
import { NotificationRuleService } from './notifications/notification-rule.service';
import { RolloutProgressFeed } from './rollouts/rollout-progress.feed';
import { RolloutReadModel } from './rollouts/rollout.read-model';
import { RolloutResolver } from './rollouts/rollout.resolver';
import { RolloutService } from './rollouts/rollout.service';

/** The hub's composition root. */
@Module({})
export class AppModule {
  /** `options` are the test and benchmark seams of {@link HubOptions}. */
  static create(
    config: HubConfig,
    logger: Logger,
    options: { guard?: Type<CanActivate>; clock?: () => Date } = {},
  ): DynamicModule {
    const guard = options.guard ?? AccessGuard;
    const clock = options.clock ?? (() => new Date());
    return {
      module: AppModule,
      imports: [
        InfraModule.create(config, logger, flotillaEventRegistry(), (pool, redis) => [
          tenantPolicySource(pool, new PolicyVersion(pool, redis, tenantsProjection)),
        ]),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [
            HUB_CONFIG,
            TOKEN_VERIFIER,
            LOGGER,
            HUB_METRICS,
            ConnectionDrain,
            BackingServices,
          ],
          useFactory: (
            c: HubConfig,
            verifier: TokenVerifier,
            log: Logger,
            metrics: HubMetrics,
            drain: ConnectionDrain,
            outages: BackingServices,
          ) => graphqlOptions(c, verifier, log, metrics, drain, outages),
        }),
      ],
      controllers: [
        HealthController,
        MetricsController,
        AgentProtocolController,
        GitWebhookController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: guard },
        { provide: APP_FILTER, useClass: GraphqlErrorPassThrough },
        { provide: CLOCK, useValue: clock },
        HealthResolver,
        AuditLogResolver,
        HistoryResolver,
        TenantService,
        TenantResolver,
        FleetRuntime,
        ClusterService,
        KubeconfigClusterService,
        ClusterChangeFeed,
        ClusterResolver,
        AgentProtocolService,
        DeliveryProtocolService,
        RegistrationTokenService,
        RegistrationTokenResolver,
        RepositoryCredentialResolver,
        GitRefreshQueue,
        ApplicationSetService,
        ApplicationSetReadModel,
        ApplicationSetResolver,
        ApplicationResolver,
        ApplicationStatusFeed,
        ApplicationSetPreviewService,
        ApplicationSetPreviewResolver,
        NotificationRuleService,
        NotificationRuleReadModel,
        NotificationRuleResolver,
        RolloutService,
        RolloutReadModel,
        RolloutProgressFeed,
        RolloutResolver,
      ],
    };
  }
}
