import { Inject, Injectable } from '@nestjs/common';
import {
  applicationSetStream,
  decideApplicationSet,
  DomainError,
  evolveApplicationSet,
  initialApplicationSetState,
  type ApplicationSetCommand,
  type ApplicationSetEvent,
  type ApplicationSetState,
} from '@flotilla/domain';
import {
  ConcurrencyError,
  ProjectionRunner,
  type EventMetadata,
  type EventStore,
  type Projection,
  type StoredOf,
} from '@flotilla/event-store';
import {
  applicationSetsProjection,
  applicationsProjection,
  deliveriesProjection,
  fleetHistoryProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import type { Pool, PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE, PG_POOL } from '../infra/tokens';
import type { SubmittedManifest } from './application-set-manifest';

/** What a write appended: the ApplicationSet and the position of its last event, if any. */
export interface ApplicationSetWrite {
  id: string;
  state: ApplicationSetState;
  position?: bigint;
}

/** Commands the API sends to an existing ApplicationSet (create has its own path). */
export type ExistingApplicationSetCommand = Extract<
  ApplicationSetCommand,
  { type: 'UpdateApplicationSet' | 'DeleteApplicationSet' | 'ConfirmDeletions' }
>;

const MAX_ATTEMPTS = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` could name an ApplicationSet or Application (a UUID); others are simply absent. */
export const isUuid = (id: string): boolean => UUID.test(id);

/**
 * ApplicationSet commands against the log. Names are unique per tenant among live
 * ApplicationSets: the reservation in `application_set_names` is written in the transaction of
 * the event that takes (`ApplicationSetCreated`) or frees (`ApplicationSetDeleted`) it, so two
 * submissions of one name can never both succeed, whatever the read model's lag. Writes to an
 * existing stream retry when the worker (recording a generation) appended first.
 */
@Injectable()
export class ApplicationSetService {
  private readonly runners: ProjectionRunner<never>[];

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore<FlotillaEvent>,
  ) {
    // Catch-up only (never started): the fleet runtime keeps them current in the background;
    // these bring them to the head of the log before a write is answered (read-your-writes).
    this.runners = [
      applicationSetsProjection,
      applicationsProjection,
      deliveriesProjection,
      fleetHistoryProjection as Projection<never>,
    ].map(
      (projection) =>
        new ProjectionRunner(
          pool,
          store as EventStore<never>,
          projection as Projection<never>,
          null,
        ),
    );
  }

  /** The ApplicationSet folded from its stream, with the stream's version. */
  async load(
    id: string,
    client?: PoolClient,
  ): Promise<{ state: ApplicationSetState; version: number }> {
    if (!isUuid(id)) return { state: initialApplicationSetState, version: 0 };
    const history = (await this.store.readStream(applicationSetStream(id), {
      ...(client ? { client } : {}),
    })) as StoredOf<ApplicationSetEvent>[];
    const state = history.reduce<ApplicationSetState>(
      (s, e) => evolveApplicationSet(s, { type: e.type, data: e.data } as ApplicationSetEvent),
      initialApplicationSetState,
    );
    return { state, version: history[history.length - 1]?.streamVersion ?? 0 };
  }

  /** Creates an ApplicationSet named after its manifest, reserving the name in the same transaction. */
  async create(
    tenant: string,
    submitted: SubmittedManifest,
    metadata: EventMetadata,
  ): Promise<ApplicationSetWrite> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Concurrent submissions of one name queue here; the second then sees the reservation.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `applicationset-name:${tenant}/${submitted.name}`,
      ]);
      const taken = await client.query(
        'SELECT 1 FROM application_set_names WHERE tenant = $1 AND name = $2',
        [tenant, submitted.name],
      );
      if ((taken.rowCount ?? 0) > 0)
        throw new DomainError(
          'CONFLICT',
          `manifest.metadata.name: ApplicationSet ${submitted.name} already exists in tenant ${tenant}`,
          'manifest.metadata.name',
        );
      const events = decideApplicationSet(
        {
          type: 'CreateApplicationSet',
          data: { tenant, name: submitted.name, manifest: submitted.manifest, nameTaken: false },
        },
        initialApplicationSetState,
      );
      const id = uuidv7();
      await client.query(
        'INSERT INTO application_set_names (tenant, name, application_set_id) VALUES ($1, $2, $3)',
        [tenant, submitted.name, id],
      );
      const result = await this.store.append(
        applicationSetStream(id),
        'no_stream',
        events,
        { ...metadata, tenantId: tenant },
        { client },
      );
      await client.query('COMMIT');
      return {
        id,
        state: events.reduce(evolveApplicationSet, initialApplicationSetState),
        position: result.lastPosition,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Decides `command` on the ApplicationSet and appends the result, retrying when another writer
   * appended first. A command that changes nothing appends nothing; a deletion frees the name.
   */
  async execute(
    id: string,
    command: ExistingApplicationSetCommand,
    metadata: EventMetadata,
  ): Promise<ApplicationSetWrite> {
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await this.load(id);
      const events = decideApplicationSet(command, state);
      if (events.length === 0) return { id, state };
      const tenantId = state.status === 'absent' ? null : state.tenant;
      try {
        const position = await this.append(id, version, events, { ...metadata, tenantId });
        return { id, state: events.reduce(evolveApplicationSet, state), position };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** Brings both read models up to the head of the log (read-your-writes). */
  async settle(): Promise<void> {
    for (const runner of this.runners) await runner.catchUp();
  }

  private async append(
    id: string,
    version: number,
    events: ApplicationSetEvent[],
    metadata: EventMetadata,
  ): Promise<bigint> {
    const stream = applicationSetStream(id);
    if (!events.some((e) => e.type === 'ApplicationSetDeleted')) {
      return (await this.store.append(stream, version, events, metadata)).lastPosition;
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await this.store.append(stream, version, events, metadata, { client });
      await client.query('DELETE FROM application_set_names WHERE application_set_id = $1', [id]);
      await client.query('COMMIT');
      return result.lastPosition;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** NOT_FOUND for an ApplicationSet, worded the same whether it is missing or hidden. */
export const applicationSetNotFound = (id: string) =>
  new DomainError('NOT_FOUND', `applicationset ${id} not found`);
