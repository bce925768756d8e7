import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import type {
  DesiredQuery,
  DesiredResponse,
  StatusRequest,
  StatusResponse,
} from '@flotilla/contracts';
import {
  DesiredStateReader,
  DesiredWaiter,
  RevisionCache,
  StatusRecorder,
} from '@flotilla/delivery';
import { DomainError } from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import type { FlotillaEvent } from '@flotilla/projections';
import type { Pool } from 'pg';
import { ConnectionDrain } from '../infra/connection-drain';
import { BackingServices } from '../infra/backing-services';
import { EVENT_STORE, HUB_CONFIG, HUB_METRICS, PG_POOL } from '../infra/tokens';
import type { HubMetrics } from '../metrics/hub-metrics';
import type { AgentCallContext } from './agent-protocol.service';

const BUNDLE_ID = /^[0-9a-f]{64}$/;

/** A bundle as the wire sends it: JSON text built around the stored manifests, never re-parsed. */
export interface BundleBody {
  id: string;
  json: string;
}

/**
 * Delivery over the agent protocol, for the cluster the caller's credential opens: the desired
 * state (a long-poll woken by the deliveries projection's NOTIFY), the bundles of its current
 * Applications (and no others), and status reports (recorded only where something changed).
 */
@Injectable()
export class DeliveryProtocolService implements OnModuleInit, BeforeApplicationShutdown {
  readonly reader: DesiredStateReader;
  private readonly waiter: DesiredWaiter;
  private readonly recorder: StatusRecorder;
  /** Heartbeats name the revision from memory: no Postgres read per heartbeat. */
  private readonly revisions: RevisionCache;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(PG_POOL) pool: Pool,
    @Inject(EVENT_STORE) store: EventStore<FlotillaEvent>,
    @Inject(HUB_METRICS) metrics: HubMetrics,
    drain: ConnectionDrain,
    outages: BackingServices,
  ) {
    // A hub shutting down answers its long-polls at once ("nothing new", 304): the agents ask
    // again, on a new connection, and reach another replica.
    drain.onDrain(() => this.waiter.stop());
    this.reader = new DesiredStateReader(pool);
    this.recorder = new StatusRecorder(pool, store, (events) =>
      metrics.recordDrift(events, 'agent'),
    );
    this.waiter = new DesiredWaiter({
      databaseUrl: config.DATABASE_URL,
      safetyRecheckMs: 30_000,
      onError: (err) => outages.postgres.failed(err),
      onNotify: (clusterId) => this.revisions.notify(clusterId),
      onReset: () => this.revisions.reset(),
    });
    this.revisions = new RevisionCache(
      (clusterId) => this.reader.revision(clusterId),
      () => this.waiter.listening,
    );
  }

  async onModuleInit(): Promise<void> {
    // A hub whose database is down still starts (it answers 503); the waiter reconnects itself.
    await this.waiter.start().catch(() => undefined);
  }

  /** Ends every long-poll (they answer 304) so the HTTP server can close at once. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.waiter.stop();
  }

  /**
   * The desired state when its revision differs from the one the agent holds, at once; else
   * waits up to `waitSeconds` for a change and answers null (304) when none came. A wake-up is
   * registered before the revision is read, so a change between the two is never missed.
   */
  async desired(
    clusterId: string,
    query: DesiredQuery,
    signal: AbortSignal,
  ): Promise<DesiredResponse | null> {
    const deadline = Date.now() + query.waitSeconds * 1000;
    for (;;) {
      const remaining = deadline - Date.now();
      const cancel = new AbortController();
      const woken =
        remaining > 0
          ? this.waiter.wait(clusterId, remaining, AbortSignal.any([signal, cancel.signal]))
          : undefined;
      let answer: DesiredResponse | undefined;
      try {
        const revision = await this.reader.revision(clusterId);
        if (query.revision === undefined || revision !== query.revision)
          answer = await this.reader.read(clusterId);
      } finally {
        if (answer || !woken) cancel.abort();
      }
      if (answer) return answer;
      if (!woken || (await woken) !== 'wake') return null;
    }
  }

  /** A bundle of one of the cluster's current Applications; NOT_FOUND for any other. */
  async bundle(clusterId: string, bundleId: string): Promise<BundleBody> {
    if (!BUNDLE_ID.test(bundleId))
      throw new DomainError('BAD_USER_INPUT', 'bundleId: must be a SHA-256 hex digest', 'bundleId');
    const json = await this.reader.bundleJson(clusterId, bundleId);
    if (json === undefined)
      throw new DomainError(
        'NOT_FOUND',
        `bundleId: no bundle ${bundleId} among this cluster's Applications; fetch /desired again`,
        'bundleId',
      );
    return { id: bundleId, json };
  }

  /** Records a status report of the cluster (see StatusRecorder). */
  status(clusterId: string, body: StatusRequest, call: AgentCallContext): Promise<StatusResponse> {
    return this.recorder.record(clusterId, body, 'agent', {
      actor: `cluster:${clusterId}`,
      requestId: call.requestId,
      clientAddress: call.clientAddress,
    });
  }

  /** The revision a heartbeat answer carries (from memory while notifications arrive). */
  revision(clusterId: string): Promise<string> {
    return this.revisions.get(clusterId);
  }
}
