import { Inject, Injectable } from '@nestjs/common';
import {
  decideRegistrationToken,
  DomainError,
  evolveRegistrationToken,
  initialRegistrationTokenState,
  issueRegistrationToken,
  registrationTokenId,
  type RegistrationTokenEvent,
  type RegistrationTokenState,
} from '@flotilla/domain';
import {
  liveTarget,
  ProjectionRunner,
  type EventMetadata,
  type EventStore,
  type StoredOf,
} from '@flotilla/event-store';
import {
  registrationTokensProjection,
  registrationTokenStream,
  type FlotillaEvent,
} from '@flotilla/projections';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { CLOCK, EVENT_STORE, PG_POOL } from '../infra/tokens';

/** A token as listed. */
export interface RegistrationTokenRow {
  id: string;
  tenant: string;
  expires_at: Date;
  max_uses: number;
  uses: number;
  labels: Record<string, string>;
  may_replace: boolean;
  created_at: Date;
  created_by: string;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/** Creates, revokes and lists registration tokens; the value leaves only once, on creation. */
@Injectable()
export class RegistrationTokenService {
  private readonly runner: ProjectionRunner<RegistrationTokenEvent>;
  private readonly table = liveTarget(registrationTokensProjection).table('registration_tokens');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore<FlotillaEvent>,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly now: () => Date,
  ) {
    this.runner = new ProjectionRunner(
      pool,
      store as unknown as EventStore<RegistrationTokenEvent>,
      registrationTokensProjection,
      null,
    );
  }

  async create(
    input: {
      tenant: string;
      ttlSeconds?: number;
      maxUses?: number;
      labels?: Record<string, string>;
      mayReplace?: boolean;
    },
    metadata: EventMetadata,
  ): Promise<{ value: string; token: RegistrationTokenRow }> {
    const { value, events } = issueRegistrationToken(input, {
      now: this.now(),
      random: randomBytes,
    });
    const created = events[0];
    if (created?.type !== 'RegistrationTokenCreated') throw new Error('no token created');
    const id = registrationTokenId(created.data.tokenHash);
    await this.store.append(registrationTokenStream(id), 'no_stream', events, {
      ...metadata,
      tenantId: input.tenant,
    });
    await this.runner.catchUp();
    return { value, token: (await this.get(id))! };
  }

  /** The token's tenant, from its stream (null when there is no such token). */
  async tenantOf(id: string): Promise<string | null> {
    const state = fold(await this.history(id));
    return state.status === 'absent' ? null : state.tenant;
  }

  async revoke(id: string, metadata: EventMetadata): Promise<RegistrationTokenRow> {
    const history = await this.history(id);
    const state = fold(history);
    const events = decideRegistrationToken({ type: 'RevokeRegistrationToken', data: {} }, state, {
      now: this.now(),
    });
    if (events.length > 0) {
      await this.store.append(
        registrationTokenStream(id),
        history[history.length - 1]?.streamVersion ?? 0,
        events,
        { ...metadata, tenantId: state.status === 'absent' ? null : state.tenant },
      );
      await this.runner.catchUp();
    }
    const row = await this.get(id);
    if (!row) throw new DomainError('NOT_FOUND', `registration token ${id} not found`);
    return row;
  }

  async get(id: string): Promise<RegistrationTokenRow | null> {
    await this.ensureTable();
    const { rows } = await this.pool.query<RegistrationTokenRow>(
      `SELECT * FROM ${this.table} WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** A tenant's tokens, newest first, `first` after the cursor (a token id). */
  async list(
    tenant: string,
    first: number,
    after?: string,
  ): Promise<{ rows: RegistrationTokenRow[]; totalCount: number }> {
    await this.ensureTable();
    const cursor = after
      ? await this.pool.query<{ created_at: Date }>(
          `SELECT created_at FROM ${this.table} WHERE id = $1 AND tenant = $2`,
          [after, tenant],
        )
      : null;
    if (after && !cursor?.rows[0]) {
      throw new DomainError(
        'BAD_USER_INPUT',
        'after: must be a cursor returned by this connection',
        'after',
      );
    }
    const { rows } = await this.pool.query<RegistrationTokenRow>(
      `SELECT * FROM ${this.table} WHERE tenant = $1
         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [tenant, cursor?.rows[0]?.created_at ?? null, after ?? '', first],
    );
    const total = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.table} WHERE tenant = $1`,
      [tenant],
    );
    return { rows, totalCount: Number(total.rows[0]?.n ?? 0) };
  }

  private history(id: string): Promise<StoredOf<RegistrationTokenEvent>[]> {
    return this.store.readStream(registrationTokenStream(id)) as Promise<
      StoredOf<RegistrationTokenEvent>[]
    >;
  }

  /** Uses are appended by registrations anywhere; reads catch the read model up first. */
  private ensureTable(): Promise<void> {
    return this.runner.catchUp();
  }
}

function fold(history: StoredOf<RegistrationTokenEvent>[]): RegistrationTokenState {
  return history.reduce<RegistrationTokenState>(
    (s, e) => evolveRegistrationToken(s, { type: e.type, data: e.data } as RegistrationTokenEvent),
    initialRegistrationTokenState,
  );
}
