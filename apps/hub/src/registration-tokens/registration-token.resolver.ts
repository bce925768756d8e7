import { Inject } from '@nestjs/common';
import { Args, Context, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { DomainError } from '@flotilla/domain';
import { Access } from '../auth/access.decorator';
import { CLOCK } from '../infra/tokens';
import { pageArgsByName } from '../graphql/page-args';
import { authzOf, principalOf, type RequestContext } from '../graphql/request-context';
import { TenantService } from '../tenants/tenant.service';
import {
  CreateRegistrationTokenInput,
  IssuedRegistrationToken,
  RegistrationToken,
  RegistrationTokenConnection,
  RegistrationTokenStatus,
} from './registration-token.model';
import { RegistrationTokenService, type RegistrationTokenRow } from './registration-token.service';

const inputTenant = (args: Record<string, unknown>) =>
  String((args['input'] as { tenant?: unknown } | undefined)?.tenant ?? '');

@Resolver(() => RegistrationToken)
export class RegistrationTokenResolver {
  constructor(
    private readonly tokens: RegistrationTokenService,
    private readonly tenants: TenantService,
    @Inject(CLOCK) private readonly now: () => Date,
  ) {}

  @Access({ resource: 'tokens', action: 'create', object: inputTenant })
  @Mutation(() => IssuedRegistrationToken, {
    description:
      'Issues a registration token for agents of a tenant (tenant admins and platform admins). ' +
      'The value is returned once; only its hash is stored.',
  })
  async createRegistrationToken(
    @Args('input', { type: () => CreateRegistrationTokenInput })
    input: CreateRegistrationTokenInput,
    @Context() context: RequestContext,
  ): Promise<IssuedRegistrationToken> {
    if (!(await this.tenants.get(input.tenant))) {
      throw new DomainError('NOT_FOUND', `tenant ${input.tenant} not found`, 'input.tenant');
    }
    const { value, token } = await this.tokens.create(
      {
        tenant: input.tenant,
        ...(input.ttlSeconds != null ? { ttlSeconds: input.ttlSeconds } : {}),
        ...(input.maxUses != null ? { maxUses: input.maxUses } : {}),
        ...(input.labels != null ? { labels: input.labels as Record<string, string> } : {}),
        ...(input.mayReplace != null ? { mayReplace: input.mayReplace } : {}),
      },
      metadataOf(context),
    );
    return { value, token: toModel(token, this.now()) };
  }

  @Access('authenticated')
  @Mutation(() => RegistrationToken, {
    description: 'Revokes a token: it admits no further registrations.',
  })
  async revokeRegistrationToken(
    @Args('id', { type: () => String }) id: string,
    @Context() context: RequestContext,
  ): Promise<RegistrationToken> {
    const tenant = await this.tokens.tenantOf(id);
    const authz = authzOf(context);
    if (tenant === null || !authz.can('tokens', 'get', tenant)) {
      throw new DomainError('NOT_FOUND', `registration token ${id} not found`);
    }
    if (!authz.can('tokens', 'delete', tenant)) {
      throw new DomainError('FORBIDDEN', `you may not revoke registration tokens of ${tenant}`);
    }
    return toModel(await this.tokens.revoke(id, metadataOf(context)), this.now());
  }

  @Access({ resource: 'tokens', action: 'get', object: (args) => String(args['tenant'] ?? '') })
  @Query(() => RegistrationTokenConnection, {
    description: "A tenant's registration tokens, newest first (never their values).",
  })
  async registrationTokens(
    @Args('tenant', { type: () => String }) tenant: string,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<RegistrationTokenConnection> {
    const page = pageArgsByName(first, after);
    const { rows, totalCount } = await this.tokens.list(tenant, page.first + 1, page.after);
    const now = this.now();
    const nodes = rows.slice(0, page.first).map((r) => toModel(r, now));
    return {
      edges: nodes.map((node) => ({ cursor: node.id, node })),
      pageInfo: { hasNextPage: rows.length > page.first, endCursor: nodes.at(-1)?.id ?? null },
      totalCount,
    };
  }
}

function metadataOf(context: RequestContext) {
  const principal = principalOf(context);
  return {
    actor: principal.sub,
    actorGroups: [...principal.groups],
    requestId: context.requestId,
    correlationId: context.requestId,
    clientAddress: context.clientAddress,
  };
}

function statusOf(row: RegistrationTokenRow, now: Date): RegistrationTokenStatus {
  if (row.revoked_at) return RegistrationTokenStatus.Revoked;
  if (row.uses >= row.max_uses) return RegistrationTokenStatus.UsedUp;
  if (row.expires_at.getTime() <= now.getTime()) return RegistrationTokenStatus.Expired;
  return RegistrationTokenStatus.Active;
}

function toModel(row: RegistrationTokenRow, now: Date): RegistrationToken {
  return {
    id: row.id,
    tenant: row.tenant,
    status: statusOf(row, now),
    expiresAt: row.expires_at,
    maxUses: row.max_uses,
    uses: row.uses,
    labels: row.labels,
    mayReplace: row.may_replace,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}
