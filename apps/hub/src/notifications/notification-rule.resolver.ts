import { Inject } from '@nestjs/common';
import {
  Args,
  Context,
  ID,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import type { HubConfig } from '@flotilla/config';
import { DomainError } from '@flotilla/domain';
import { metadataOf } from '../application-sets/application-set.mapper';
import { isUuid } from '../application-sets/application-set.service';
import { loadForParent, noteParents } from '../application-sets/request-batch';
import type { Authz } from '../application-sets/tenant-visibility';
import { Access } from '../auth/access.decorator';
import { authzOf, type RequestContext } from '../graphql/request-context';
import { HUB_CONFIG } from '../infra/tokens';
import { TenantService } from '../tenants/tenant.service';
import { CreateNotificationRuleInput, NotificationRuleSpecInput } from './notification-rule.input';
import {
  deliveryPageArgs,
  notificationsObject,
  toDeliveryConnection,
  toNotificationRule,
} from './notification-rule.mapper';
import {
  CreateNotificationRulePayload,
  NotificationDeliveryConnection,
  NotificationDeliveryState,
  NotificationRule,
  RotateNotificationRuleSecretPayload,
} from './notification-rule.model';
import { NotificationRuleReadModel } from './notification-rule.read-model';
import { checkNotificationRuleSpec, signingSecretOf } from './notification-rule-spec.rules';
import {
  NotificationRuleService,
  notificationRuleNotFound,
  type NotificationRuleView,
} from './notification-rule.service';

type Action = 'create' | 'update' | 'delete';

/** May the caller see the tenant's notification rules and deliveries? */
const canSee = (authz: Authz, tenant: string) =>
  authz.can('notifications', 'get', notificationsObject(tenant));

/**
 * RBAC on `notifications`, object `<tenant>/notifications`, as the access guard decides: a
 * caller who may not even `get` gets the NOT_FOUND of a missing tenant or rule (`notFound`), so
 * nothing leaks what exists; one who may look but not act gets FORBIDDEN. `create` needs no
 * `get`, like the guard's.
 */
function authorise(authz: Authz, tenant: string, action: Action, notFound: () => DomainError) {
  const object = notificationsObject(tenant);
  if (authz.can('notifications', action, object)) {
    if (action === 'create' || canSee(authz, tenant)) return;
    throw notFound();
  }
  if (!canSee(authz, tenant)) throw notFound();
  throw new DomainError('FORBIDDEN', `you may not ${action} notification rules of ${tenant}`);
}

const tenantNotFound = (tenant: string, field: string) => () =>
  new DomainError('NOT_FOUND', `tenant ${tenant} not found`, field);

/**
 * Notification rules: which of a tenant's events the worker sends, to which webhook, signed with
 * the rule's secret. Writes answer from the log as appended; reads come from the worker's read
 * model. The signing secret is sealed outside the log and shown only when the hub generates it.
 */
@Resolver(() => NotificationRule)
export class NotificationRuleResolver {
  private readonly allowPrivateNetworks: boolean;

  constructor(
    private readonly service: NotificationRuleService,
    private readonly reads: NotificationRuleReadModel,
    private readonly tenants: TenantService,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.allowPrivateNetworks = config.NOTIFY_ALLOW_PRIVATE_NETWORKS;
  }

  @Access('authenticated')
  @Query(() => [NotificationRule], { description: "A tenant's live notification rules, by name." })
  async notificationRules(
    @Context() context: RequestContext,
    @Args('tenant', { type: () => String }) tenant: string,
  ): Promise<NotificationRule[]> {
    if (!canSee(authzOf(context), tenant)) throw tenantNotFound(tenant, 'tenant')();
    const rules = (await this.reads.rules(tenant)).map(toNotificationRule);
    noteParents(
      context,
      'NotificationRule',
      rules.map((r) => r.id),
    );
    return rules;
  }

  @Access('authenticated')
  @Query(() => NotificationRule, {
    nullable: true,
    description: 'One live notification rule; null when there is none you may see.',
  })
  async notificationRule(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<NotificationRule | null> {
    const view = isUuid(id) ? await this.reads.rule(id) : null;
    if (!view || !canSee(authzOf(context), view.tenant)) return null;
    return toNotificationRule(view);
  }

  @Access('authenticated')
  @Query(() => NotificationDeliveryConnection, {
    description:
      "A tenant's notification deliveries (of one rule, when given), newest event first.",
  })
  async notificationDeliveries(
    @Context() context: RequestContext,
    @Args('tenant', { type: () => String }) tenant: string,
    @Args('ruleId', { type: () => ID, nullable: true }) ruleId: string | null | undefined,
    @Args('state', { type: () => NotificationDeliveryState, nullable: true })
    state: NotificationDeliveryState | null | undefined,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null | undefined,
  ): Promise<NotificationDeliveryConnection> {
    if (!canSee(authzOf(context), tenant)) throw tenantNotFound(tenant, 'tenant')();
    const page = deliveryPageArgs(first, after);
    // Arguments left out arrive undefined, not null.
    if (ruleId != null && !isUuid(ruleId)) return toDeliveryConnection([], page.first);
    const rows = await this.reads.deliveries(
      {
        tenant,
        ...(ruleId != null ? { ruleId } : {}),
        ...(state != null ? { state } : {}),
        ...(page.after ? { after: page.after } : {}),
      },
      page.first + 1,
    );
    return toDeliveryConnection(rows, page.first);
  }

  @Access('authenticated')
  @ResolveField(() => NotificationDeliveryConnection, {
    description: 'What the rule sent (or is sending), newest event first.',
  })
  async deliveries(
    @Context() context: RequestContext,
    @Parent() rule: NotificationRule,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null | undefined,
    @Args('state', { type: () => NotificationDeliveryState, nullable: true })
    state: NotificationDeliveryState | null | undefined,
  ): Promise<NotificationDeliveryConnection> {
    const page = deliveryPageArgs(first, after);
    // The parent query has authorised the rule; one statement serves every rule of the list.
    const rows = await loadForParent(
      context,
      'NotificationRule',
      `deliveries:${first}:${after ?? ''}:${state ?? ''}`,
      rule.id,
      (ids) =>
        this.reads.deliveriesOfRules(
          ids,
          { ...(state != null ? { state } : {}), ...(page.after ? { after: page.after } : {}) },
          page.first + 1,
        ),
    );
    return toDeliveryConnection(rows, page.first);
  }

  @Access('authenticated')
  @Mutation(() => CreateNotificationRulePayload, {
    description:
      "Creates a tenant's notification rule. Its signing secret is sealed at rest; when the hub generates it, the answer shows it this once.",
  })
  async createNotificationRule(
    @Context() context: RequestContext,
    @Args('input', { type: () => CreateNotificationRuleInput }) input: CreateNotificationRuleInput,
  ): Promise<CreateNotificationRulePayload> {
    authorise(
      authzOf(context),
      input.tenant,
      'create',
      tenantNotFound(input.tenant, 'input.tenant'),
    );
    this.service.requireSealing();
    if (!(await this.tenants.get(input.tenant)))
      throw tenantNotFound(input.tenant, 'input.tenant')();
    const { spec, url } = checkNotificationRuleSpec(input, this.allowPrivateNetworks);
    const { secret, generated } = signingSecretOf(input.secret, 'input.secret');
    const rule = await this.service.create(
      input.tenant,
      spec,
      { secret, url },
      metadataOf(context),
    );
    return { rule: toNotificationRule(rule), secret: generated ? secret : null };
  }

  @Access('authenticated')
  @Mutation(() => NotificationRule, {
    description:
      "Replaces a rule's specification as a whole; nothing is recorded when it is the same.",
  })
  async updateNotificationRule(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('input', { type: () => NotificationRuleSpecInput }) input: NotificationRuleSpecInput,
  ): Promise<NotificationRule> {
    const rule = await this.authorised(context, id, 'update');
    this.service.requireSealing();
    const { spec, url } = checkNotificationRuleSpec(input, this.allowPrivateNetworks);
    return toNotificationRule(
      await this.service.update(id, rule.tenant, spec, url, metadataOf(context)),
    );
  }

  @Access('authenticated')
  @Mutation(() => RotateNotificationRuleSecretPayload, {
    description:
      "Replaces a rule's signing secret (given, or generated and shown this once). Receivers must switch to it.",
  })
  async rotateNotificationRuleSecret(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('secret', { type: () => String, nullable: true }) given: string | null | undefined,
  ): Promise<RotateNotificationRuleSecretPayload> {
    const rule = await this.authorised(context, id, 'update');
    this.service.requireSealing();
    const { secret, generated } = signingSecretOf(given, 'secret');
    const rotated = await this.service.rotateSecret(id, rule.tenant, secret, metadataOf(context));
    return { rule: toNotificationRule(rotated), secret: generated ? secret : null };
  }

  @Access('authenticated')
  @Mutation(() => Boolean, {
    description: 'Deletes a rule and its secret: nothing more is sent for it.',
  })
  async deleteNotificationRule(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    const rule = await this.authorised(context, id, 'delete');
    await this.service.delete(id, rule.tenant, metadataOf(context));
    return true;
  }

  /** The live rule as its stream says (the read model may lag), if the caller may `action` it. */
  private async authorised(
    context: RequestContext,
    id: string,
    action: Exclude<Action, 'create'>,
  ): Promise<NotificationRuleView> {
    const state = await this.service.load(id);
    if (state.status !== 'live') throw notificationRuleNotFound(id);
    authorise(authzOf(context), state.rule.tenant, action, () => notificationRuleNotFound(id));
    return state.rule;
  }
}
