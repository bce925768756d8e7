// Writes a FleetHistory into a migrated database the way the system would have: the events as
// append_events() stores them (same columns and metadata, but at their historical recorded_at,
// which the store itself always sets to the clock), the bundles the renderer stored, the name
// reservations, and then the read models, built by the projections' own runners.
import type { EventRegistry, EventStore, Projection } from '@flotilla/event-store';
import { ProjectionRunner } from '@flotilla/event-store';
import {
  applicationSetsProjection,
  applicationsProjection,
  clustersProjection,
  deliveriesProjection,
  fleetHistoryProjection,
  registrationTokensProjection,
  tenantsProjection,
} from '@flotilla/projections';
import { BundleStore } from '@flotilla/render';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { FleetHistory } from './fleet-history';

const CHUNK = 5_000;

/** The read models a hub keeps current (apps/hub FleetRuntime), and the tenants it reads. */
export const VIEW_PROJECTIONS = [
  tenantsProjection,
  clustersProjection,
  registrationTokensProjection,
  applicationSetsProjection,
  applicationsProjection,
  deliveriesProjection,
  fleetHistoryProjection,
] as Projection[];

const print = (line: string) => process.stdout.write(`  ${line}\n`);

/**
 * Inserts the events in order, numbered from 1, each validated against its schema first (as
 * an append would). Stream versions follow each stream's order in the history.
 */
export async function insertEvents(
  pool: Pool,
  registry: EventRegistry,
  history: FleetHistory,
): Promise<void> {
  const versions = new Map<string, number>();
  const total = history.events.length;
  for (let from = 0; from < total; from += CHUNK) {
    const rows = history.events.slice(from, from + CHUNK).map((e, i) => {
      const encoded = registry.encode(e.event.type, e.event.data);
      const version = (versions.get(e.stream) ?? 0) + 1;
      versions.set(e.stream, version);
      const id = uuidv7({ msecs: Math.floor(e.at) });
      return {
        position: from + i + 1,
        id,
        stream: e.stream,
        version,
        type: e.event.type,
        schemaVersion: encoded.schemaVersion,
        data: JSON.stringify(encoded.data),
        metadata: JSON.stringify({ actor: e.actor, tenantId: e.tenant, correlationId: id }),
        tenant: e.tenant,
        actor: e.actor,
        at: new Date(e.at).toISOString(),
      };
    });
    const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
    await pool.query(
      `INSERT INTO events (global_position, event_id, stream_id, stream_version, type,
         schema_version, data, metadata, tenant_id, actor, recorded_at)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::int[], $5::text[],
         $6::smallint[], $7::jsonb[], $8::jsonb[], $9::text[], $10::text[], $11::timestamptz[])`,
      [
        column('position'),
        column('id'),
        column('stream'),
        column('version'),
        column('type'),
        column('schemaVersion'),
        column('data'),
        column('metadata'),
        column('tenant'),
        column('actor'),
        column('at'),
      ],
    );
    const done = Math.min(total, from + CHUNK);
    if (done % 100_000 < CHUNK || done === total)
      print(`events: ${done.toLocaleString('en')}/${total.toLocaleString('en')}`);
  }
  await pool.query(`SELECT setval('events_global_position_seq', $1)`, [total]);
}

/**
 * The bundles, and the name reservations the services write beside their events (the same
 * statements as the migrations that introduced them backfill with).
 */
export async function insertBesideEvents(pool: Pool, history: FleetHistory): Promise<void> {
  const bundles = new BundleStore(pool);
  for (const bundle of history.bundles) await bundles.put(bundle);
  await pool.query(`
    INSERT INTO cluster_names (tenant, name, cluster_id)
    SELECT DISTINCT ON (r.stream_id) r.data->>'tenant', r.data->>'name', substr(r.stream_id, 9)
    FROM events r
    WHERE r.type = 'ClusterRegistered'
      AND NOT EXISTS (SELECT 1 FROM events d WHERE d.stream_id = r.stream_id AND d.type = 'ClusterDeregistered')
    ORDER BY r.stream_id, r.stream_version DESC`);
  await pool.query(`
    INSERT INTO application_set_names (tenant, name, application_set_id)
    SELECT c.data->>'tenant', c.data->>'name', substr(c.stream_id, length('applicationset-') + 1)::uuid
    FROM events c
    WHERE c.type = 'ApplicationSetCreated'
      AND NOT EXISTS (SELECT 1 FROM events d WHERE d.stream_id = c.stream_id AND d.type = 'ApplicationSetDeleted')`);
  print(`bundles: ${history.bundles.length}; name reservations written`);
}

/**
 * Brings every view read model to the head of the log with the projections' runners (all at
 * once, as the hub's replicas and workers would), printing where each stands every 10 s.
 */
export async function buildReadModels(pool: Pool, store: EventStore): Promise<void> {
  const head = await store.headPosition();
  const started = Date.now();
  const progress = setInterval(() => {
    void pool
      .query<{ name: string; position: string }>(
        'SELECT name, position FROM projection_checkpoints ORDER BY name',
      )
      .then(({ rows }) =>
        print(
          `read models (${Math.round((Date.now() - started) / 1000)} s): ` +
            rows
              .map((r) => `${r.name} ${Math.floor((100 * Number(r.position)) / Number(head))}%`)
              .join(', '),
        ),
      );
  }, 10_000);
  try {
    await Promise.all(
      VIEW_PROJECTIONS.map((projection) =>
        new ProjectionRunner(pool, store, projection, null, { batchSize: 2_000 }).catchUp(),
      ),
    );
  } finally {
    clearInterval(progress);
  }
}

/**
 * Waits until every projection with a checkpoint is at the head of the log: a hub that found
 * one behind (a read model this seeding did not build) catches it up in the background, which
 * would take the CPU the timed queries need.
 */
export async function untilProjectionsAtHead(pool: Pool, timeoutMs = 900_000): Promise<void> {
  const started = Date.now();
  let printed = started;
  for (;;) {
    const { rows } = await pool.query<{ name: string; position: string; head: string }>(
      `SELECT name, position, (SELECT max(global_position) FROM events) AS head
         FROM projection_checkpoints WHERE position < (SELECT max(global_position) FROM events)`,
    );
    if (rows.length === 0) return;
    if (Date.now() - printed > 10_000) {
      print(
        `waiting for the hub's read models: ${rows.map((r) => `${r.name} at ${r.position}/${r.head}`).join(', ')}`,
      );
      printed = Date.now();
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`read models not at the head after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
