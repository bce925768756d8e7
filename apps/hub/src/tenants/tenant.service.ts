import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  decideTenant,
  evolveTenant,
  initialTenantState,
  type TenantCommand,
  type TenantEvent,
  type TenantSpec,
  type TenantState,
} from '@flotilla/domain';
import {
  liveTarget,
  ProjectionRunner,
  type EventStore,
  type StoredOf,
} from '@flotilla/event-store';
import { tenantsProjection } from '@flotilla/projections';
import type { Pool } from 'pg';
import type { RequestContext } from '../graphql/request-context';
import { principalOf } from '../graphql/request-context';
import { CLOCK, EVENT_STORE, PG_POOL, REDIS } from '../infra/tokens';
import { PolicyVersion } from '../authz/policy-version';
import type { Redis } from 'ioredis';

/** A tenant as read: its spec plus when it was created and last changed. */
export interface TenantView {
  spec: TenantSpec;
  version: number;
  createdAt: Date | null;
  updatedAt: Date | null;
}

/** The tenant stream of a name. */
export const tenantStream = (name: string) => `tenant-${name}`;

/**
 * Runs tenant commands (load the stream, decide, append) and serves tenant reads. After each
 * change it brings the tenants read model up to date before answering, so the caller (and the
 * policy of the next request, on every replica) sees its own write.
 */
@Injectable()
export class TenantService implements OnModuleInit {
  private readonly runner: ProjectionRunner<TenantEvent>;
  private readonly policyVersion: PolicyVersion;
  private readonly table = liveTarget(tenantsProjection).table('tenants');
  private readonly select = `SELECT t.name, t.spec, t.created_at, t.updated_at,
      (SELECT max(stream_version) FROM events e WHERE e.stream_id = 'tenant-' || t.name) AS version
    FROM ${this.table} t`;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore<TenantEvent>,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly now: () => Date,
    @Inject(REDIS) redis: Redis,
  ) {
    this.runner = new ProjectionRunner(pool, store, tenantsProjection, null);
    this.policyVersion = new PolicyVersion(pool, redis, tenantsProjection);
  }

  async onModuleInit(): Promise<void> {
    await this.runner.catchUp().catch(() => undefined); // a database that is down is reported by /readyz
  }

  async execute(
    name: string,
    command: TenantCommand,
    context: RequestContext,
  ): Promise<TenantView | null> {
    const history = await this.store.readStream(tenantStream(name));
    const state = fold(history);
    const events = decideTenant(command, state, { now: this.now() });
    if (events.length > 0) {
      const principal = principalOf(context);
      await this.store.append(
        tenantStream(name),
        history.length === 0 ? 'no_stream' : lastVersion(history),
        events,
        {
          actor: principal.sub,
          actorGroups: [...principal.groups],
          tenantId: name,
          requestId: context.requestId,
          correlationId: context.requestId,
          clientAddress: context.clientAddress,
        },
      );
      await this.runner.catchUp();
      // Every replica's next request sees the new policy (see PolicyVersion).
      await this.policyVersion.publish((await this.runner.status()).position.toString());
    }
    return this.get(name);
  }

  /** The tenant now, from the read model. */
  async get(name: string): Promise<TenantView | null> {
    const { rows } = await this.pool.query<TenantRow>(`${this.select} WHERE t.name = $1`, [name]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** The tenant as it was at `asOf`, folded from its stream. */
  async getAsOf(name: string, asOf: Date): Promise<TenantView | null> {
    const history = (await this.store.readStream(tenantStream(name))).filter(
      (e) => e.recordedAt <= asOf,
    );
    const state = fold(history);
    if (state.status !== 'active') return null;
    return {
      spec: state.spec,
      version: lastVersion(history),
      createdAt: lastCreation(history)?.recordedAt ?? null,
      updatedAt: history[history.length - 1]?.recordedAt ?? null,
    };
  }

  /** Tenants in name order, filtered by what the caller may see. */
  async list(visible: (name: string) => boolean): Promise<TenantView[]> {
    const { rows } = await this.pool.query<TenantRow>(`${this.select} ORDER BY t.name`);
    return rows.filter((r) => visible(r.name)).map(toView);
  }
}

interface TenantRow {
  name: string;
  spec: TenantSpec;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toView(row: TenantRow): TenantView {
  return {
    spec: row.spec,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function fold(history: StoredOf<TenantEvent>[]): TenantState {
  return history.reduce<TenantState>(
    (s, e) => evolveTenant(s, { type: e.type, data: e.data } as TenantEvent),
    initialTenantState,
  );
}

function lastVersion(history: StoredOf<TenantEvent>[]): number {
  return history[history.length - 1]?.streamVersion ?? 0;
}

/** The latest TenantCreated (a deleted name may be created again). */
function lastCreation(history: StoredOf<TenantEvent>[]): StoredOf<TenantEvent> | undefined {
  return history.findLast((e) => e.type === 'TenantCreated');
}
