import type { ApplicationWrite } from '@flotilla/contracts';
import {
  applicationEventId,
  applicationId,
  applicationStream,
  canonicalDigest,
  type ApplicationEvent,
  type ReconciliationPlan,
} from '@flotilla/domain';
import {
  ConcurrencyError,
  IdempotencyConflictError,
  type EventStore,
  type ExpectedVersion,
  type Queryable,
} from '@flotilla/event-store';
import type { FlotillaEvent } from '@flotilla/projections';
import type { Pool } from 'pg';

/** The actor of every event a generation writes. */
export const GENERATION_ACTOR = 'system:generation';

/** What one batch of Application writes did. */
export interface WriteOutcome {
  written: number;
  /** Writes whose event was already stored (a retry, another worker, a crash before the ack). */
  alreadyWritten: number;
  /** Names whose stream moved since the plan: nothing written; the next generation replans. */
  stale: string[];
}

/**
 * The Application writes of a plan, with each stream's version when planned (`versions`, by
 * stream id, from the log): the version fixes the expected version and the event id, so a write
 * retried after a crash re-sends the same event and the store keeps one.
 */
export function planWrites(
  applicationSetId: string,
  plan: Pick<ReconciliationPlan, 'create' | 'update' | 'delete'>,
  versions: ReadonlyMap<string, number>,
  reason: 'Pruned' | 'ApplicationSetDeleted' = 'Pruned',
): ApplicationWrite[] {
  const version = (id: string) => versions.get(applicationStream(id)) ?? 0;
  const writes: ApplicationWrite[] = [];
  for (const app of plan.create) writes.push({ op: 'create', expectedVersion: 0, app });
  for (const u of plan.update) {
    const expectedVersion = version(u.id);
    if (expectedVersion > 0)
      writes.push({
        op: 'update',
        id: u.id,
        expectedVersion,
        previousDigest: u.previousDigest,
        app: u.desired,
      });
  }
  for (const d of plan.delete) {
    const expectedVersion = version(d.id);
    if (expectedVersion > 0)
      writes.push({
        op: 'delete',
        id: d.id,
        name: d.name,
        expectedVersion,
        preserveResources: d.preserveResources,
        reason,
      });
  }
  // Sorted by name so that chunks, and the plan key, do not depend on the plan's list order.
  const nameOf = (w: ApplicationWrite) => (w.op === 'delete' ? w.name : w.app.name);
  return writes.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
}

/** The current version of each Application stream a plan touches (absent: no stream). */
export async function streamVersions(
  db: Queryable,
  applicationIds: readonly string[],
): Promise<Map<string, number>> {
  if (applicationIds.length === 0) return new Map();
  const { rows } = await db.query<{ stream_id: string; v: number }>(
    `SELECT stream_id, max(stream_version) AS v FROM events
      WHERE stream_id = ANY($1) GROUP BY stream_id`,
    [applicationIds.map(applicationStream)],
  );
  return new Map(rows.map((r) => [r.stream_id, r.v]));
}

/** A short key of a plan's writes: chunk and parent job ids derive from it. */
export function planKey(manifestVersion: number, writes: readonly ApplicationWrite[]): string {
  const ops = writes.map((w) =>
    w.op === 'delete'
      ? [w.op, w.name, w.expectedVersion, w.reason, w.preserveResources]
      : [w.op, w.app.name, w.expectedVersion, w.app.digest, w.app.clusterId],
  );
  return canonicalDigest({ manifestVersion, ops }).slice(0, 16);
}

function toEvent(
  applicationSetId: string,
  tenant: string,
  w: ApplicationWrite,
): { streamId: string; expected: ExpectedVersion; event: ApplicationEvent; tag: string } {
  switch (w.op) {
    case 'create':
      return {
        streamId: applicationStream(applicationId(applicationSetId, w.app.name)),
        expected: 'no_stream',
        event: { type: 'ApplicationCreated', data: { applicationSetId, tenant, ...w.app } },
        tag: `create/${w.app.digest}`,
      };
    case 'update': {
      const { name: _name, ...app } = w.app;
      return {
        streamId: applicationStream(w.id),
        expected: w.expectedVersion,
        event: { type: 'ApplicationUpdated', data: { ...app, previousDigest: w.previousDigest } },
        tag: `update/${w.app.digest}`,
      };
    }
    case 'delete':
      return {
        streamId: applicationStream(w.id),
        expected: w.expectedVersion,
        event: {
          type: 'ApplicationDeleted',
          data: { applicationSetId, preserveResources: w.preserveResources, reason: w.reason },
        },
        tag: `delete/${w.reason}`,
      };
  }
}

const versionOf = (expected: ExpectedVersion): number =>
  typeof expected === 'number' ? expected : 0;

/**
 * Appends a batch of Application writes in one transaction on one connection. Each event has a
 * deterministic id (stream, version, operation and digest): the store answers a re-sent one as
 * already written, even with a stale expected version. A stream that moved otherwise is stale:
 * that write is skipped (a savepoint keeps the rest) and reported.
 */
export async function writeApplications(
  pool: Pool,
  store: EventStore<FlotillaEvent>,
  subject: { applicationSetId: string; tenant: string },
  writes: readonly ApplicationWrite[],
): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { written: 0, alreadyWritten: 0, stale: [] };
  if (writes.length === 0) return outcome;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const w of writes) {
      const { streamId, expected, event, tag } = toEvent(
        subject.applicationSetId,
        subject.tenant,
        w,
      );
      const eventId = applicationEventId(streamId, versionOf(expected) + 1, tag);
      await client.query('SAVEPOINT application_write');
      try {
        const result = await store.append(
          streamId,
          expected,
          [{ ...event, eventId }],
          { actor: GENERATION_ACTOR, tenantId: subject.tenant },
          { client },
        );
        await client.query('RELEASE SAVEPOINT application_write');
        if (result.duplicate) outcome.alreadyWritten++;
        else outcome.written++;
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT application_write');
        if (!(error instanceof ConcurrencyError || error instanceof IdempotencyConflictError))
          throw error;
        outcome.stale.push(w.op === 'delete' ? w.name : w.app.name);
      }
    }
    await client.query('COMMIT');
    return outcome;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
