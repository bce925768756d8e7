import {
  credentialAccepted,
  evolveCluster,
  type ClusterEvent,
  type ClusterFacts,
  type ClusterState,
} from '@flotilla/domain';
import {
  liveTarget,
  LogSubscription,
  type EventNotifier,
  type EventStore,
  type StoredOf,
} from '@flotilla/event-store';
import { clusterIdOf, clustersProjection, type FlotillaEvent } from '@flotilla/projections';
import type { Pool } from 'pg';

type Registered = Extract<ClusterState, { status: 'registered' }>;

/** A cluster as the agent protocol sees it after authenticating its credential. */
export interface AuthenticatedCluster {
  clusterId: string;
  state: Registered;
}

const CLUSTER_EVENT_TYPES = clustersProjection.handles;

/**
 * Every live cluster's state in memory, for the agent protocol's hot path: a heartbeat is
 * authenticated and compared with the known facts without touching Postgres. Loaded from the
 * clusters read model at a consistent position, then kept current by following the log (woken by
 * NOTIFY), so every replica sees a rotation or a deregistration within milliseconds; the replica
 * that made a change waits for it ({@link waitFor}) before answering, so it is revoked at once.
 */
export class ClusterDirectory {
  private readonly clusters = new Map<string, ClusterState>();
  /** Credential hash (current or previous) to cluster id. */
  private readonly byCredential = new Map<string, string>();
  private subscription: LogSubscription<ClusterEvent> | null = null;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore<FlotillaEvent>,
    private readonly notifier: EventNotifier | null,
  ) {}

  /** Loads the snapshot and starts following the log. */
  async start(): Promise<void> {
    const from = await this.load();
    this.subscription = new LogSubscription<ClusterEvent>(
      this.store as unknown as EventStore<ClusterEvent>,
      this.notifier,
      {
        from,
        types: CLUSTER_EVENT_TYPES,
        idlePollMs: 1_000,
        handle: async (events) => this.applyAll(events),
      },
    );
    this.subscription.start();
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** Resolves once the directory has applied the log up to `position`. */
  waitFor(position: bigint, timeoutMs = 5_000): Promise<void> {
    if ((this.subscription?.currentPosition ?? 0n) >= position) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`cluster directory did not reach position ${position}`)),
        timeoutMs,
      );
      this.waiters.push({
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /**
   * The cluster a presented credential hash opens at `now`, or undefined. Only the credential
   * decides which cluster a call is about.
   */
  authenticate(credentialHash: string, now: Date): AuthenticatedCluster | undefined {
    const clusterId = this.byCredential.get(credentialHash);
    if (clusterId === undefined) return undefined;
    const state = this.clusters.get(clusterId);
    if (!state || state.status !== 'registered') return undefined;
    return credentialAccepted(state, credentialHash, now) ? { clusterId, state } : undefined;
  }

  /**
   * Like {@link authenticate}, but a credential this replica does not know is first looked for
   * in the log: one issued a moment ago through another replica (a registration or rotation
   * answered there, the agent's next call balanced here) must not meet a 401, which an agent
   * takes as final. Rejects when the log cannot be read within `timeoutMs` (the caller answers
   * "retry", never a false 401). Misses that arrive together share one read of the log.
   */
  async authenticateCurrent(
    credentialHash: string,
    now: Date,
    timeoutMs = 5_000,
  ): Promise<AuthenticatedCluster | undefined> {
    const known = this.authenticate(credentialHash, now);
    if (known || !this.subscription) return known;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.subscription.sync(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('the cluster directory could not read the log in time')),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return this.authenticate(credentialHash, now);
  }

  /** A cluster's state as this replica knows it. */
  get(clusterId: string): ClusterState | undefined {
    return this.clusters.get(clusterId);
  }

  /** Whether a heartbeat with these facts would change anything (facts or connectivity). */
  static heartbeatChanges(state: Registered, facts: ClusterFacts): boolean {
    if (state.connectivity !== 'Ready') return true;
    return (Object.keys(facts) as (keyof ClusterFacts)[]).some((k) => facts[k] !== state.facts[k]);
  }

  get size(): number {
    return this.clusters.size;
  }

  private async load(): Promise<bigint> {
    const client = await this.pool.connect();
    try {
      // One snapshot: the rows and the checkpoint they reflect.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const checkpoint = await client.query<{ position: string }>(
        'SELECT position FROM projection_checkpoints WHERE name = $1 AND version = $2',
        [clustersProjection.name, clustersProjection.version],
      );
      const table = liveTarget(clustersProjection).table('clusters');
      const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
        table,
      ]);
      const rows = exists.rows[0]?.t
        ? (await client.query<ClusterRow>(`SELECT * FROM ${table} WHERE deregistered_at IS NULL`))
            .rows
        : [];
      await client.query('COMMIT');
      for (const row of rows) this.put(row.id, stateOfRow(row));
      return BigInt(checkpoint.rows[0]?.position ?? 0);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async applyAll(events: StoredOf<ClusterEvent>[]): Promise<void> {
    for (const e of events) {
      const id = clusterIdOf(e.streamId);
      const before = this.clusters.get(id) ?? { status: 'absent' as const };
      this.put(id, evolveCluster(before, { type: e.type, data: e.data } as ClusterEvent));
    }
    const last = events[events.length - 1]?.globalPosition ?? 0n;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.position <= last) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private put(id: string, state: ClusterState): void {
    const before = this.clusters.get(id);
    if (before?.status === 'registered') {
      if (before.credential) this.byCredential.delete(before.credential.hash);
      if (before.previousCredential) this.byCredential.delete(before.previousCredential.hash);
    }
    if (state.status !== 'registered') {
      this.clusters.delete(id);
      return;
    }
    this.clusters.set(id, state);
    if (state.credential) this.byCredential.set(state.credential.hash, id);
    if (state.previousCredential) this.byCredential.set(state.previousCredential.hash, id);
  }
}

interface ClusterRow {
  id: string;
  tenant: string;
  name: string;
  mode: 'agent' | 'kubeconfig';
  labels: Record<string, string>;
  facts: ClusterFacts;
  connectivity: 'Ready' | 'Stale' | 'Offline';
  credential_hash: string | null;
  credential_expires_at: Date | null;
  previous_credential_hash: string | null;
  previous_valid_until: Date | null;
  registration_token_id: string | null;
}

function stateOfRow(row: ClusterRow): ClusterState {
  return {
    status: 'registered',
    tenant: row.tenant,
    name: row.name,
    mode: row.mode,
    labels: row.labels,
    facts: row.facts,
    connectivity: row.connectivity,
    ...(row.credential_hash && row.credential_expires_at
      ? { credential: { hash: row.credential_hash, expiresAt: row.credential_expires_at } }
      : {}),
    ...(row.previous_credential_hash && row.previous_valid_until
      ? {
          previousCredential: {
            hash: row.previous_credential_hash,
            validUntil: row.previous_valid_until,
          },
        }
      : {}),
    ...(row.registration_token_id ? { registrationTokenId: row.registration_token_id } : {}),
  };
}
