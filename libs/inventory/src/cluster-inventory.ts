import {
  decideCluster,
  decideRegistrationToken,
  DomainError,
  evolveCluster,
  evolveRegistrationToken,
  hashToken,
  initialClusterState,
  initialRegistrationTokenState,
  registrationTokenId,
  registrationTokenUsable,
  constantTimeEqual,
  type ClusterCommand,
  type ClusterEvent,
  type ClusterFacts,
  type ClusterLabels,
  type ClusterState,
  type RegistrationTokenEvent,
  type RegistrationTokenState,
} from '@flotilla/domain';
import {
  ConcurrencyError,
  liveTarget,
  ProjectionRunner,
  type EventMetadata,
  type EventStore,
  type StoredOf,
} from '@flotilla/event-store';
import {
  clusterStream,
  clustersProjection,
  registrationTokenStream,
  type FlotillaEvent,
} from '@flotilla/projections';
import type { Pool, PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';

/** The result of a cluster command: the events it appended (maybe none) and the new state. */
export interface ClusterCommandResult {
  clusterId: string;
  events: ClusterEvent[];
  state: ClusterState;
  /** Global position of the last appended event, when any were appended. */
  position?: bigint;
}

/** A registration as the agent protocol (token) or an admin (kubeconfig) asks for it. */
export type RegistrationRequest = {
  name: string;
  labels?: ClusterLabels;
  facts: ClusterFacts;
} & (
  | {
      mode: 'agent';
      tokenValue: string;
      credentialHash: string;
      credentialTtlSeconds?: number;
      /** SHA-256 of the agent's attempt id (see `ReissueRegistrationCredential`). */
      attemptHash?: string;
    }
  | { mode: 'kubeconfig'; tenant: string }
);

const MAX_ATTEMPTS = 5;

/** The one answer every unusable token gets (unknown, revoked, expired, used up): no oracle. */
const tokenRefused = () => new DomainError('UNAUTHENTICATED', 'registration token is not valid');
/**
 * Registrations in flight per process. Each holds a connection while it waits for its locks and
 * the lock holder needs another one to catch the read model up: bounding them below the pool
 * size means the holder always gets its connection.
 */
const REGISTRATIONS_IN_FLIGHT = 4;

/** A counting semaphore: at most `size` holders at a time, the rest queue in order. */
class Slots {
  private free: number;
  private readonly queue: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/**
 * Runs cluster commands against the log: load the stream, decide, append with the expected
 * version, retrying when another writer got there first. Shared by the hub (agent protocol,
 * GraphQL) and the worker (sweeps, probes), so both decide the same way.
 */
export class ClusterInventory {
  private readonly runner: ProjectionRunner<ClusterEvent>;
  private readonly table = liveTarget(clustersProjection).table('clusters');
  private readonly registrations = new Slots(REGISTRATIONS_IN_FLIGHT);

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore<FlotillaEvent>,
    private readonly now: () => Date,
  ) {
    this.runner = new ProjectionRunner(
      pool,
      store as unknown as EventStore<ClusterEvent>,
      clustersProjection,
      null,
    );
  }

  /** Brings the clusters read model up to the head of the log (read-your-writes). */
  catchUp(): Promise<void> {
    return this.runner.catchUp();
  }

  /** The cluster's state folded from its stream, with the stream's version. */
  async load(
    clusterId: string,
    client?: PoolClient,
  ): Promise<{ state: ClusterState; version: number }> {
    const history = await this.store.readStream(clusterStream(clusterId), {
      ...(client ? { client } : {}),
    });
    return {
      state: foldCluster(history as StoredOf<ClusterEvent>[]),
      version: history[history.length - 1]?.streamVersion ?? 0,
    };
  }

  /**
   * Decides `command` on the cluster and appends the result. Retries on a concurrent append;
   * a command that changes nothing appends nothing.
   */
  async execute(
    clusterId: string,
    command: ClusterCommand,
    metadata: EventMetadata,
  ): Promise<ClusterCommandResult> {
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await this.load(clusterId);
      const events = decideCluster(command, state, { now: this.now() });
      if (events.length === 0) return { clusterId, events, state };
      try {
        const tenantId = state.status === 'absent' ? null : state.tenant;
        const result = await this.appendReleasingName(clusterId, version, events, {
          tenantId,
          ...metadata,
        });
        return {
          clusterId,
          events,
          state: events.reduce(evolveCluster, state),
          position: result.lastPosition,
        };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** Appends; a deregistration frees the cluster's name and drops its secrets in the same transaction. */
  private async appendReleasingName(
    clusterId: string,
    version: number,
    events: ClusterEvent[],
    metadata: EventMetadata,
  ) {
    if (!events.some((e) => e.type === 'ClusterDeregistered')) {
      return this.store.append(clusterStream(clusterId), version, events, metadata);
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await this.store.append(clusterStream(clusterId), version, events, metadata, {
        client,
      });
      await client.query('DELETE FROM cluster_names WHERE cluster_id = $1', [clusterId]);
      // A departed cluster's secrets are gone for good (the log never held them).
      await client.query('DELETE FROM cluster_kubeconfigs WHERE cluster_id = $1', [clusterId]);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Registers a cluster. Agents present a registration token: it must be usable, its use is
   * appended in the same transaction as the registration, and its tenant and labels win. Names
   * are unique per tenant among live clusters: the check holds a lock on the name, so two
   * registrations racing for one name cannot both succeed. Refusals change nothing.
   */
  async register(
    request: RegistrationRequest,
    metadata: EventMetadata,
    /** Runs inside the registration's transaction (e.g. stores the sealed kubeconfig). */
    alongside?: (client: PoolClient, clusterId: string) => Promise<void>,
  ): Promise<ClusterCommandResult & { tenant: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.registrations.run(() => this.registerOnce(request, metadata, alongside));
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async registerOnce(
    request: RegistrationRequest,
    metadata: EventMetadata,
    alongside?: (client: PoolClient, clusterId: string) => Promise<void>,
  ): Promise<ClusterCommandResult & { tenant: string }> {
    const now = this.now();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Registrations with one token queue up behind each other instead of failing on its
      // stream version (one token may admit a thousand agents installed at once). Locks are
      // always taken token first, then name, so they cannot deadlock.
      const token =
        request.mode === 'agent' ? await this.lockToken(client, request.tokenValue) : null;
      const tenant = token ? token.state.tenant : (request as { tenant: string }).tenant;
      const existing = await this.reserveName(client, tenant, request.name);
      if (token && request.mode === 'agent' && request.attemptHash && existing !== null) {
        const reissued = await this.reissue(client, existing, token.id, request, metadata, now);
        if (reissued) {
          await client.query('COMMIT');
          return { ...reissued, tenant };
        }
      }
      if (token && !registrationTokenUsable(token.state, token.hash, now)) throw tokenRefused();
      const replace = existing !== null && token?.state.mayReplace === true;
      const clusterId = replace ? existing : uuidv7();
      const { state, version } = replace
        ? await this.load(clusterId, client)
        : { state: initialClusterState, version: 0 };
      const events = decideCluster(
        {
          type: 'RegisterCluster',
          data: {
            tenant,
            name: request.name,
            mode: request.mode,
            ...(request.labels ? { labels: request.labels } : {}),
            facts: request.facts,
            nameTaken: existing !== null,
            ...(request.mode === 'agent'
              ? {
                  credentialHash: request.credentialHash,
                  ...(request.attemptHash ? { attemptHash: request.attemptHash } : {}),
                  ...(request.credentialTtlSeconds !== undefined
                    ? { credentialTtlSeconds: request.credentialTtlSeconds }
                    : {}),
                  token: {
                    id: token!.id,
                    labels: token!.state.labels,
                    mayReplace: token!.state.mayReplace,
                  },
                }
              : {}),
          },
        },
        state,
        { now },
      );
      const meta = { ...metadata, tenantId: tenant };
      if (existing === null) {
        await client.query(
          'INSERT INTO cluster_names (tenant, name, cluster_id) VALUES ($1, $2, $3)',
          [tenant, request.name, clusterId],
        );
      }
      if (token) {
        const used = decideRegistrationToken(
          {
            type: 'UseRegistrationToken',
            data: { tokenHash: token.hash, clusterId, clusterName: request.name },
          },
          token.state,
          { now },
        );
        await this.store.append(registrationTokenStream(token.id), token.version, used, meta, {
          client,
        });
      }
      const result = await this.store.append(
        clusterStream(clusterId),
        replace ? version : 'no_stream',
        events,
        meta,
        { client },
      );
      await alongside?.(client, clusterId);
      await client.query('COMMIT');
      return {
        clusterId,
        tenant,
        events,
        state: events.reduce(evolveCluster, state),
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
   * Locks the token a value names (for this transaction) and loads it; refuses every unusable
   * token with the one same answer.
   */
  private async lockToken(
    client: PoolClient,
    value: string,
  ): Promise<{
    id: string;
    hash: string;
    version: number;
    state: Exclude<RegistrationTokenState, { status: 'absent' }>;
  }> {
    const hash = hashToken(value);
    const id = registrationTokenId(hash);
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`registration-token:${id}`]);
    const history = (await this.store.readStream(registrationTokenStream(id), {
      client,
    })) as StoredOf<RegistrationTokenEvent>[];
    const state = history.reduce<RegistrationTokenState>(
      (s, e) =>
        evolveRegistrationToken(s, { type: e.type, data: e.data } as RegistrationTokenEvent),
      initialRegistrationTokenState,
    );
    // Unknown and revoked tokens stop here; expired and used-up ones only after the retry check.
    if (state.status !== 'issued' || !constantTimeEqual(state.tokenHash, hash))
      throw tokenRefused();
    return { id, hash, version: history[history.length - 1]?.streamVersion ?? 0, state };
  }

  /**
   * A registration retried with the attempt id of one that succeeded but whose answer was lost
   * (the token may be spent by now): a new credential for that cluster, or null when `existing`
   * is some other registration (then the usual rules apply).
   */
  private async reissue(
    client: PoolClient,
    clusterId: string,
    tokenId: string,
    request: Extract<RegistrationRequest, { mode: 'agent' }>,
    metadata: EventMetadata,
    now: Date,
  ): Promise<ClusterCommandResult | null> {
    const history = (await this.store.readStream(clusterStream(clusterId), {
      client,
    })) as StoredOf<ClusterEvent>[];
    const state = foldCluster(history);
    if (
      state.status !== 'registered' ||
      state.registrationTokenId !== tokenId ||
      state.attemptHash === undefined ||
      !constantTimeEqual(state.attemptHash, request.attemptHash!)
    )
      return null;
    const events = decideCluster(
      {
        type: 'ReissueRegistrationCredential',
        data: {
          tokenId,
          attemptHash: request.attemptHash!,
          credentialHash: request.credentialHash,
          ...(request.credentialTtlSeconds !== undefined
            ? { credentialTtlSeconds: request.credentialTtlSeconds }
            : {}),
        },
      },
      state,
      { now },
    );
    if (events.length === 0) return { clusterId, events, state };
    const result = await this.store.append(
      clusterStream(clusterId),
      history[history.length - 1]?.streamVersion ?? 0,
      events,
      { ...metadata, tenantId: state.tenant },
      { client },
    );
    return {
      clusterId,
      events,
      state: events.reduce(evolveCluster, state),
      position: result.lastPosition,
    };
  }

  /**
   * The live cluster holding `tenant/name`, or null once this transaction holds the name's lock
   * (a transaction-scoped advisory lock: a concurrent registration of the same name waits here,
   * then sees the reservation this one committed).
   */
  private async reserveName(
    client: PoolClient,
    tenant: string,
    name: string,
  ): Promise<string | null> {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `cluster-name:${tenant}/${name}`,
    ]);
    const { rows } = await client.query<{ cluster_id: string }>(
      'SELECT cluster_id FROM cluster_names WHERE tenant = $1 AND name = $2',
      [tenant, name],
    );
    return rows[0]?.cluster_id ?? null;
  }
}

/** Folds a cluster stream into its state. */
export function foldCluster(history: readonly StoredOf<ClusterEvent>[]): ClusterState {
  return history.reduce<ClusterState>(
    (s, e) => evolveCluster(s, { type: e.type, data: e.data } as ClusterEvent),
    initialClusterState,
  );
}
