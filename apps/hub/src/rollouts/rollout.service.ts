import { Inject, Injectable } from '@nestjs/common';
import {
  foldRollout,
  rolloutStream,
  type LiveRolloutState,
  type RolloutCommand,
  type RolloutEvent,
} from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import type { FlotillaEvent } from '@flotilla/projections';
import { RolloutEngine, type RolloutActor } from '@flotilla/rollouts';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ApplicationSetService, isUuid } from '../application-sets/application-set.service';
import { CLOCK, EVENT_STORE, LOGGER, PG_POOL } from '../infra/tokens';
import type { RolloutScope } from './rollout-access.rules';

const actorOf = (actor: RolloutActor): string => (typeof actor === 'string' ? actor : actor.actor);
import { RolloutReadModel } from './rollout.read-model';

/** Commands a user sends to a rollout (superseding is the engine's alone). */
export type UserRolloutCommand = Exclude<RolloutCommand, { type: 'SupersedeRollout' }>;

/**
 * Rollout commands through the engine (`@flotilla/rollouts`), which decides and appends under the
 * ApplicationSet's advisory lock, so a user's command and the worker's ticks never both decide on
 * one state. The hub itself decides nothing: it authorises and asks.
 */
@Injectable()
export class RolloutService {
  private readonly engine: RolloutEngine;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore<FlotillaEvent>,
    @Inject(CLOCK) now: () => Date,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly reads: RolloutReadModel,
    private readonly applicationSets: ApplicationSetService,
  ) {
    this.engine = new RolloutEngine(pool, store, now);
  }

  /**
   * Who may act on the rollout, from its stream (the read model may not have it yet): its tenant,
   * ApplicationSet and the Applications its steps move. Null when there is none.
   */
  async scope(id: string): Promise<RolloutScope | null> {
    if (!isUuid(id)) return null;
    const history = await this.store.readStream(rolloutStream(id));
    const state = foldRollout(
      history.map((e) => ({
        event: { type: e.type, data: e.data } as RolloutEvent,
        at: e.recordedAt,
      })),
    );
    if (state.status === 'absent') return null;
    return {
      tenant: state.tenant,
      applicationSetName: state.applicationSetName,
      applicationNames: targetNames(state),
    };
  }

  /**
   * The live ApplicationSet as its stream says, with the names of its live Applications (those a
   * rollout of it may update). Null when there is none.
   */
  async setScope(applicationSetId: string): Promise<RolloutScope | null> {
    const { state } = await this.applicationSets.load(applicationSetId);
    if (state.status !== 'active') return null;
    return {
      tenant: state.tenant,
      applicationSetName: state.name,
      applicationNames: await this.reads.applicationNames(applicationSetId),
    };
  }

  /** Starts a rollout of what is held for the ApplicationSet; answers its id. */
  async start(applicationSetId: string, actor: RolloutActor, reason: string): Promise<string> {
    // The engine reads the held renderings from the read models: bring them to the log's head.
    await this.applicationSets.settle();
    const id = await this.engine.start(applicationSetId, actor, reason);
    this.logger.info({ rollout: id, applicationSetId, actor: actorOf(actor) }, 'rollout started');
    return id;
  }

  async command(id: string, command: UserRolloutCommand, actor: RolloutActor): Promise<void> {
    await this.engine.command(id, command, actor);
    this.logger.info(
      { rollout: id, command: command.type, actor: actorOf(actor) },
      'rollout command',
    );
  }
}

/** The Applications the rollout's steps move (not the ones it excluded: it leaves those alone). */
function targetNames(state: LiveRolloutState): string[] {
  return [...new Set([...state.targets.values()].map((t) => t.applicationName))].sort();
}
