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
  Subscription,
} from '@nestjs/graphql';
import { rolloutStream } from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import { metadataOf } from '../application-sets/application-set.mapper';
import { applicationSetNotFound, isUuid } from '../application-sets/application-set.service';
import { loadForParent, noteParents } from '../application-sets/request-batch';
import { visibleTenants, type Authz } from '../application-sets/tenant-visibility';
import { Access } from '../auth/access.decorator';
import { toAuditEventConnection } from '../audit/audit-event.mapper';
import { AuditEventConnection } from '../audit/audit-event.model';
import { pageArgs } from '../graphql/page-args';
import { authzOf, type RequestContext } from '../graphql/request-context';
import { EVENT_STORE } from '../infra/tokens';
import { TenantService } from '../tenants/tenant.service';
import {
  authoriseDeploy,
  canRead,
  checkStep,
  checkText,
  rolloutNotFound,
} from './rollout-access.rules';
import { RolloutFilter } from './rollout.input';
import {
  rolloutPageArgs,
  targetPageArgs,
  toRollout,
  toRolloutConnection,
  toTargetConnection,
} from './rollout.mapper';
import {
  Rollout,
  RolloutConnection,
  RolloutTargetConnection,
  RolloutTargetPhase,
} from './rollout.model';
import { RolloutProgressFeed } from './rollout-progress.feed';
import { RolloutReadModel, type RolloutRow } from './rollout.read-model';
import { RolloutService, type UserRolloutCommand } from './rollout.service';

const viewOf = (row: RolloutRow) => ({
  tenant: row.tenant,
  applicationSetName: row.application_set_name,
});

/**
 * Rollouts: read from the worker's read model; commands go through the rollout engine. Reading a
 * rollout needs what reading its ApplicationSet needs; acting on one needs `applications, sync`
 * on its Applications (see `authoriseDeploy`). Callers who may not see a rollout get the
 * NOT_FOUND a missing id gets.
 *
 * Answers to writes are read after the write: the hub catches the read model up itself
 * (`RolloutReadModel.settle`) rather than folding the stream, because the read model holds what a
 * fold does not (who approved each step and when, the per-cluster table and its tallies), and so
 * the answer is exactly what `rollout(id)` shows from then on.
 */
@Resolver(() => Rollout)
export class RolloutResolver {
  constructor(
    private readonly service: RolloutService,
    private readonly reads: RolloutReadModel,
    private readonly tenants: TenantService,
    private readonly feed: RolloutProgressFeed,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Access('authenticated')
  @Query(() => RolloutConnection, {
    description: 'Rollouts you may see (those of ApplicationSets you may see), newest first.',
  })
  async rollouts(
    @Context() context: RequestContext,
    @Args('filter', { type: () => RolloutFilter, nullable: true }) filter: RolloutFilter | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<RolloutConnection> {
    const page = rolloutPageArgs(first, after);
    const authz = authzOf(context);
    const setId = filter?.applicationSetId ?? undefined;
    // An id that is no UUID names no ApplicationSet, so none of its rollouts.
    if (setId !== undefined && !isUuid(setId)) return toRolloutConnection([], [], page.first);
    const tenants = await visibleTenants(
      this.tenants,
      authz,
      'applicationsets',
      filter?.tenant ?? undefined,
    );
    const rows = await this.reads.list(
      {
        tenants,
        ...(setId !== undefined ? { applicationSetId: setId } : {}),
        ...(filter?.applicationSetName != null
          ? { applicationSetName: filter.applicationSetName }
          : {}),
        ...(filter?.status != null ? { status: filter.status } : {}),
        ...(page.after ? { after: page.after } : {}),
      },
      page.first + 1,
    );
    // Tenant-wide rights chose the rows; a policy denying single ApplicationSets still hides them.
    const batch = {};
    const shown = rows
      .slice(0, page.first)
      .filter((r) => canRead(authz, viewOf(r)))
      .map((r) => toRollout(r, batch));
    noteParents(
      batch,
      'Rollout',
      shown.map((r) => r.id),
    );
    return toRolloutConnection(rows, shown, page.first);
  }

  @Access('authenticated')
  @Query(() => Rollout, { description: 'One rollout, with its steps and per-cluster targets.' })
  async rollout(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Rollout> {
    return toRollout(await this.visibleRow(authzOf(context), id), {});
  }

  @Access('authenticated')
  @ResolveField(() => RolloutTargetConnection, {
    description: 'The per-cluster table: its targets by step (excluded last), then cluster name.',
  })
  async targets(
    @Parent() rollout: Rollout,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('step', { type: () => Int, nullable: true, description: 'Only this step (index).' })
    step: number | null,
    @Args('phase', { type: () => RolloutTargetPhase, nullable: true })
    phase: RolloutTargetPhase | null,
  ): Promise<RolloutTargetConnection> {
    const page = targetPageArgs(first, after);
    checkStep(step);
    // The parent query has authorised the rollout; one statement serves every rollout of a list.
    const targets = await loadForParent(
      rollout.batch,
      'Rollout',
      `targets:${first}:${after ?? ''}:${step ?? ''}:${phase ?? ''}`,
      rollout.id,
      (ids) =>
        this.reads.targetsOf(
          ids,
          {
            ...(step != null ? { step } : {}),
            ...(phase != null ? { phase } : {}),
            ...(page.after ? { after: page.after } : {}),
          },
          page.first + 1,
        ),
    );
    return toTargetConnection(targets, page.first);
  }

  @Access('authenticated')
  @ResolveField(() => AuditEventConnection, {
    description:
      'What happened to the rollout, newest first, with actors: who started, approved, paused, resumed or aborted it, and what the orchestrator (system:rollouts) did.',
  })
  async history(
    @Parent() rollout: Rollout,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<AuditEventConnection> {
    const page = pageArgs(first, after);
    const events = await loadForParent(
      rollout.batch,
      'Rollout',
      `history:${first}:${after ?? ''}`,
      rollout.id,
      (ids) =>
        this.store.readLatestPerGroup(new Map(ids.map((id) => [id, [rolloutStream(id)]])), {
          limit: page.first + 1,
          ...(page.after !== undefined ? { before: page.after } : {}),
        }),
    );
    return toAuditEventConnection(events, page.first);
  }

  @Access('authenticated')
  @Mutation(() => Rollout, {
    description:
      'Starts a rollout of what is held for the ApplicationSet (superseding one under way). CONFLICT when nothing is held or it has no strategy.',
  })
  async startRollout(
    @Context() context: RequestContext,
    @Args('applicationSetId', { type: () => ID }) applicationSetId: string,
    @Args('reason', { type: () => String, description: 'Why (at most 1024 characters).' })
    reason: string,
  ): Promise<Rollout> {
    const why = checkText(reason, 'reason', true);
    const scope = await this.service.setScope(applicationSetId);
    const notFound = () => applicationSetNotFound(applicationSetId);
    if (!scope) throw notFound();
    authoriseDeploy(authzOf(context), scope, notFound, 'start a rollout');
    const id = await this.service.start(applicationSetId, metadataOf(context), why);
    return this.afterWrite(id);
  }

  @Access('authenticated')
  @Mutation(() => Rollout, {
    description:
      'Approves a step waiting for approval (the first one waiting, unless step is given), recorded with you as its approver.',
  })
  async promoteRollout(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('step', { type: () => Int, nullable: true }) step: number | null,
    @Args('comment', { type: () => String, nullable: true }) comment: string | null,
  ): Promise<Rollout> {
    const data = { ...optionalStep(step), comment: checkText(comment, 'comment', false) };
    return this.act(context, id, 'promote the rollout', { type: 'ApproveRollout', data });
  }

  @Access('authenticated')
  @Mutation(() => Rollout, {
    description:
      "Lets a step waiting at a sync window go on (the first one waiting, unless step is given), when the window allows manual syncs (the tenant's windows decide, now).",
  })
  async overrideSyncWindow(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('step', { type: () => Int, nullable: true }) step: number | null,
    @Args('comment', { type: () => String, nullable: true }) comment: string | null,
  ): Promise<Rollout> {
    const data = {
      ...optionalStep(step),
      comment: checkText(comment, 'comment', false),
      // The engine recomputes both from the tenant's windows; what is sent here is not trusted.
      window: '',
      manualAllowed: false,
    };
    return this.act(context, id, 'override a sync window', { type: 'OverrideSyncWindow', data });
  }

  @Access('authenticated')
  @Mutation(() => Rollout, { description: 'Stops updating clusters until resumed.' })
  async pauseRollout(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('reason', { type: () => String }) reason: string,
  ): Promise<Rollout> {
    const data = { reason: checkText(reason, 'reason', true) };
    return this.act(context, id, 'pause the rollout', { type: 'PauseRollout', data });
  }

  @Access('authenticated')
  @Mutation(() => Rollout, {
    description:
      'Goes on with a paused rollout; the failures so far are accepted (the budget counts new ones).',
  })
  async resumeRollout(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('comment', { type: () => String, nullable: true }) comment: string | null,
  ): Promise<Rollout> {
    const data = { comment: checkText(comment, 'comment', false) };
    return this.act(context, id, 'resume the rollout', { type: 'ResumeRollout', data });
  }

  @Access('authenticated')
  @Mutation(() => Rollout, {
    description:
      'Stops the rollout for good; with rollback, its updated clusters go back to what they ran before. Its revision does not start again by itself.',
  })
  async abortRollout(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('rollback', { type: () => Boolean }) rollback: boolean,
    @Args('reason', { type: () => String }) reason: string,
  ): Promise<Rollout> {
    const data = { rollback, reason: checkText(reason, 'reason', true) };
    return this.act(context, id, 'abort the rollout', { type: 'AbortRollout', data });
  }

  @Access('authenticated')
  @Subscription(() => Rollout, {
    description:
      'The rollout as it stands, then again each time its stream gets events (a subscriber that falls behind gets the latest).',
    resolve: (row: RolloutRow) => toRollout(row, {}),
  })
  async rolloutProgress(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<AsyncIterableIterator<RolloutRow>> {
    // A rollout's tenant and ApplicationSet never change: this check holds for its life.
    await this.visibleRow(authzOf(context), id);
    return this.feed.progress(id, () => this.reads.get(id));
  }

  /** Authorises `command` as a deployer of the rollout, sends it, answers the rollout after it. */
  private async act(
    context: RequestContext,
    id: string,
    what: string,
    command: UserRolloutCommand,
  ): Promise<Rollout> {
    const scope = await this.service.scope(id);
    if (!scope) throw rolloutNotFound(id);
    authoriseDeploy(authzOf(context), scope, () => rolloutNotFound(id), what);
    await this.service.command(id, command, metadataOf(context));
    return this.afterWrite(id);
  }

  /** The rollout once the read model has every event committed so far, ours included. */
  private async afterWrite(id: string): Promise<Rollout> {
    await this.reads.settle();
    const row = await this.reads.get(id);
    if (!row) throw rolloutNotFound(id);
    return toRollout(row, {});
  }

  /** The rollout, if the caller may see it; NOT_FOUND hides the rest. */
  private async visibleRow(authz: Authz, id: string): Promise<RolloutRow> {
    const row = isUuid(id) ? await this.reads.get(id) : null;
    if (!row || !canRead(authz, viewOf(row))) throw rolloutNotFound(id);
    return row;
  }
}

const optionalStep = (step: number | null): { step?: number } => {
  const checked = checkStep(step);
  return checked === undefined ? {} : { step: checked };
};
