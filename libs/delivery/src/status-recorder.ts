import type { Pool, PoolClient } from 'pg';
import type { StatusRequest, StatusResponse } from '@flotilla/contracts';
import {
  DomainError,
  applicationEventId,
  deliveryStream,
  type DeliveryEvent,
  type ResourceDrift,
  type ResourceProblem,
} from '@flotilla/domain';
import { ConcurrencyError, type EventStore } from '@flotilla/event-store';
import { DELIVERIES_TABLE, type FlotillaEvent } from '@flotilla/projections';

/** Who reported: the cluster's agent, or the worker pushing to a kubeconfig cluster. */
export type StatusReporter = 'agent' | 'worker';

/** Audit context of one report. */
export interface StatusContext {
  /** Defaults to `agent:<clusterId>` or `system:push`. */
  actor?: string;
  requestId?: string;
  clientAddress?: string;
}

type AppReport = StatusRequest['applications'][number];
type RemovedReport = StatusRequest['removed'][number];

/** What the log says of one Application on the reporting cluster, newest first. */
interface Known {
  tenant: string;
  deleted: boolean;
  /** Its removal from this cluster is in the stream already (the projection may lag). */
  removed: boolean;
  /** The delivery stream's version (the expected version of the next append). */
  version: number;
  status: StatusShape | null;
  drift: { resources: ResourceDrift[]; corrected: boolean; observedAt: string } | null;
}

/** The part of a status that counts as a change (everything but when it was observed). */
interface StatusShape {
  commit: string | null;
  bundleId: string | null;
  sync: string;
  health: string;
  message: string;
  resourceCount: number;
  problems: ResourceProblem[];
}

interface Row {
  application_id: string;
  tenant: string;
  deleted: boolean;
  delivery_version: number;
  status_commit: string | null;
  status_bundle_id: string | null;
  sync: string | null;
  health: string | null;
  status_message: string | null;
  resource_count: number | null;
  problems: ResourceProblem[] | null;
  last_drift: ResourceDrift[] | null;
  last_drift_at: Date | null;
  drift_corrected: boolean | null;
}

const ATTEMPTS = 4;

/**
 * Records what a cluster reported (`POST /status`, or the worker's push pass) as delivery events,
 * appending only what changed: the same status again, the same uncorrected drift again, or a
 * removal already recorded appends nothing, so a retried request never doubles the audit trail.
 *
 * The cluster is the one the caller authenticated; every Application id in the report must be
 * one of that cluster's (its row in the deliveries read model, or, for a removal, an
 * ApplicationResourcesRemoved of that cluster already in its stream). Otherwise the whole report
 * is refused, naming the field, and nothing is appended. Change detection reads the read model
 * and then the events appended after its version, so a projection that lags cannot make a report
 * look new twice. Everything is appended in one transaction with ids derived from the stream
 * version; a concurrent append (a render) is retried.
 */
export class StatusRecorder {
  /**
   * `onRecorded` sees the events of each report once they are committed (metrics count drift
   * from them); it must not throw.
   */
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore<FlotillaEvent>,
    private readonly onRecorded?: (events: readonly DeliveryEvent[]) => void,
  ) {}

  async record(
    clusterId: string,
    report: StatusRequest,
    reporter: StatusReporter,
    context: StatusContext = {},
  ): Promise<StatusResponse> {
    duplicates(report);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.recordOnce(clusterId, report, reporter, context);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  private async recordOnce(
    clusterId: string,
    report: StatusRequest,
    reporter: StatusReporter,
    context: StatusContext,
  ): Promise<StatusResponse> {
    const ids = [...report.applications.map((a) => a.id), ...report.removed.map((r) => r.id)];
    if (ids.length === 0) return { accepted: 0, eventsAppended: 0 };
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // One report of a cluster at a time: the second waits and then sees the first's events.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`status:${clusterId}`]);
      const known = await this.load(client, clusterId, ids);
      const alreadyRemoved = await this.removedBefore(
        client,
        clusterId,
        report.removed.filter((r) => !known.has(r.id)).map((r) => r.id),
      );
      report.applications.forEach((a, i) => {
        if (!known.has(a.id)) throw notOurs(`applications[${i}].id`, a.id);
      });
      report.removed.forEach((r, i) => {
        if (!known.has(r.id) && !alreadyRemoved.has(r.id)) throw notOurs(`removed[${i}].id`, r.id);
      });

      const metadata = {
        actor: context.actor ?? (reporter === 'agent' ? `agent:${clusterId}` : 'system:push'),
        ...(context.requestId ? { correlationId: context.requestId } : {}),
        ...(context.clientAddress ? { clientAddress: context.clientAddress } : {}),
      };
      let appended = 0;
      let accepted = 0;
      const recorded: DeliveryEvent[] = [];
      for (const app of report.applications) {
        const k = known.get(app.id)!;
        accepted++;
        const events = changes(clusterId, app, k, reporter);
        appended += await this.append(client, app.id, k, events, metadata);
        recorded.push(...events);
      }
      for (const removed of report.removed) {
        const k = known.get(removed.id);
        // The Application came back since: its objects are current again, the report is stale.
        if (k && !k.deleted) continue;
        accepted++;
        // Recorded before: a retried report.
        if (!k || k.removed) continue;
        const events = [removal(clusterId, removed)];
        appended += await this.append(client, removed.id, k, events, metadata);
        recorded.push(...events);
      }
      await client.query('COMMIT');
      if (recorded.length > 0) this.onRecorded?.(recorded);
      return { accepted, eventsAppended: appended };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async append(
    client: PoolClient,
    applicationId: string,
    k: Known,
    events: DeliveryEvent[],
    metadata: { actor: string; correlationId?: string; clientAddress?: string },
  ): Promise<number> {
    if (events.length === 0) return 0;
    const stream = deliveryStream(applicationId);
    await this.store.append(
      stream,
      k.version === 0 ? 'no_stream' : k.version,
      events.map((event, i) => ({
        ...event,
        eventId: applicationEventId(stream, k.version + 1 + i, `${event.type}/${observed(event)}`),
      })),
      { ...metadata, tenantId: k.tenant },
      { client },
    );
    return events.length;
  }

  /** The read-model rows of this cluster, brought up to date with the events after them. */
  private async load(
    client: PoolClient,
    clusterId: string,
    ids: string[],
  ): Promise<Map<string, Known>> {
    const { rows } = await client.query<Row>(
      `SELECT application_id, tenant, deleted, delivery_version, status_commit, status_bundle_id,
              sync, health, status_message, resource_count, problems, last_drift, last_drift_at,
              drift_corrected
         FROM ${DELIVERIES_TABLE} WHERE cluster_id = $1 AND application_id = ANY($2::uuid[])`,
      [clusterId, [...new Set(ids)]],
    );
    const known = new Map<string, Known>();
    for (const r of rows) known.set(r.application_id, fromRow(r));
    if (rows.length === 0) return known;
    const newer = await client.query<{
      stream_id: string;
      stream_version: number;
      type: string;
      data: Record<string, unknown>;
    }>(
      `SELECT e.stream_id, e.stream_version, e.type, e.data
         FROM events e
         JOIN unnest($1::text[], $2::int[]) AS s(stream_id, version)
           ON e.stream_id = s.stream_id AND e.stream_version > s.version
        ORDER BY e.stream_id, e.stream_version`,
      [rows.map((r) => deliveryStream(r.application_id)), rows.map((r) => r.delivery_version)],
    );
    for (const e of newer.rows) {
      const k = known.get(e.stream_id.slice('delivery-'.length))!;
      k.version = Math.max(k.version, e.stream_version);
      if (e.data['clusterId'] !== clusterId) continue;
      if (e.type === 'ApplicationResourcesRemoved') k.removed = true;
      if (e.type === 'ApplicationStatusChanged') k.status = shape(e.data as unknown as AppReport);
      if (e.type === 'ApplicationDriftDetected') {
        const d = e.data as { resources: ResourceDrift[]; corrected: boolean; observedAt: string };
        k.drift = { resources: d.resources, corrected: d.corrected, observedAt: d.observedAt };
      }
    }
    return known;
  }

  /** Of `ids` (no row for this cluster), those whose removal this cluster already reported. */
  private async removedBefore(
    client: PoolClient,
    clusterId: string,
    ids: string[],
  ): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await client.query<{ stream_id: string }>(
      `SELECT DISTINCT stream_id FROM events
        WHERE stream_id = ANY($1::text[]) AND type = 'ApplicationResourcesRemoved'
          AND data->>'clusterId' = $2`,
      [ids.map(deliveryStream), clusterId],
    );
    return new Set(rows.map((r) => r.stream_id.slice('delivery-'.length)));
  }
}

function fromRow(r: Row): Known {
  return {
    tenant: r.tenant,
    deleted: r.deleted,
    removed: false,
    version: r.delivery_version,
    status:
      r.sync && r.health
        ? {
            commit: r.status_commit,
            bundleId: r.status_bundle_id,
            sync: r.sync,
            health: r.health,
            message: r.status_message ?? '',
            resourceCount: r.resource_count ?? 0,
            problems: r.problems ?? [],
          }
        : null,
    drift:
      r.last_drift && r.last_drift_at
        ? {
            resources: r.last_drift,
            corrected: r.drift_corrected ?? false,
            observedAt: r.last_drift_at.toISOString(),
          }
        : null,
  };
}

function shape(s: StatusShape): StatusShape {
  return {
    commit: s.commit,
    bundleId: s.bundleId,
    sync: s.sync,
    health: s.health,
    message: s.message,
    resourceCount: s.resourceCount,
    problems: s.problems,
  };
}

/** The events one Application's report adds to what is known of it. */
function changes(
  clusterId: string,
  app: AppReport,
  k: Known,
  reporter: StatusReporter,
): DeliveryEvent[] {
  const events: DeliveryEvent[] = [];
  const next = shape(app);
  if (!k.status || canonical(k.status) !== canonical(next)) {
    events.push({
      type: 'ApplicationStatusChanged',
      data: { clusterId, ...next, observedAt: app.observedAt, reporter } as Extract<
        DeliveryEvent,
        { type: 'ApplicationStatusChanged' }
      >['data'],
    });
  }
  if (app.drift.length > 0) {
    const same = k.drift !== null && canonical(k.drift.resources) === canonical(app.drift);
    // The same drift again is news only when it was corrected again (a new correction), and a
    // retried report of the same correction carries the same observation instant.
    const news = !same || (app.driftCorrected && k.drift?.observedAt !== iso(app.observedAt));
    if (news)
      events.push({
        type: 'ApplicationDriftDetected',
        data: {
          clusterId,
          resources: app.drift,
          corrected: app.driftCorrected,
          observedAt: app.observedAt,
        },
      });
  }
  return events;
}

function removal(clusterId: string, r: RemovedReport): DeliveryEvent {
  return {
    type: 'ApplicationResourcesRemoved',
    data: { clusterId, removed: r.removed, preserved: r.preserved, observedAt: r.observedAt },
  };
}

function observed(event: DeliveryEvent): string {
  return 'observedAt' in event.data ? event.data.observedAt : '';
}

const iso = (at: string): string => new Date(at).toISOString();

/** JSON with sorted keys, so equal values compare equal whatever order the keys came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** An Application reported twice in one report is refused: which of the two would count? */
function duplicates(report: StatusRequest): void {
  const seen = new Set<string>();
  report.applications.forEach((a, i) => {
    if (seen.has(a.id))
      throw new DomainError(
        'BAD_USER_INPUT',
        `Application ${a.id} is reported twice`,
        `applications[${i}].id`,
      );
    seen.add(a.id);
  });
  const removed = new Set<string>();
  report.removed.forEach((r, i) => {
    if (removed.has(r.id))
      throw new DomainError(
        'BAD_USER_INPUT',
        `Application ${r.id} is reported twice`,
        `removed[${i}].id`,
      );
    removed.add(r.id);
  });
}

function notOurs(field: string, id: string): DomainError {
  return new DomainError(
    'BAD_USER_INPUT',
    `Application ${id} is not an Application of this cluster; nothing was recorded`,
    field,
  );
}
