import { assertNever, type ApplicationEvent, type ApplicationSetEvent } from '@flotilla/domain';
import type { Projection, ProjectionTarget, StoredOf } from '@flotilla/event-store';
import type { PoolClient } from 'pg';

/** The ApplicationSet id of an `applicationset-<id>` stream. */
export const applicationSetIdOf = (streamId: string) => streamId.slice('applicationset-'.length);

type Handled =
  | ApplicationSetEvent
  | Extract<ApplicationEvent, { type: 'ApplicationCreated' | 'ApplicationDeleted' }>;

/**
 * `status` of an `application_sets_v1` row: where generation stands, as the API shows it. Times
 * are the events' recorded times (ISO-8601).
 */
export interface ApplicationSetStatusRow {
  lastGeneration: {
    manifestVersion: number;
    created: number;
    updated: number;
    deleted: number;
    unchanged: number;
    skipped: number;
    heldDeletions: number;
    at: string;
  } | null;
  failure: { manifestVersion: number; reason: string; message: string; at: string } | null;
  held: {
    manifestVersion: number;
    deletions: string[];
    currentCount: number;
    threshold: number;
    at: string;
  } | null;
  confirmed: { deletions: string[]; by: string; at: string } | null;
  violations: { application: string; cluster: string; rule: string; reason: string }[];
  validationErrors: { application: string; message: string }[];
}

const INITIAL_STATUS: ApplicationSetStatusRow = {
  lastGeneration: null,
  failure: null,
  held: null,
  confirmed: null,
  violations: [],
  validationErrors: [],
};

/**
 * `application_sets_v1`: one row per live ApplicationSet (a deleted one's row is removed; its
 * history stays in the log): the manifest as submitted, the stream version that set it, the
 * generation status, and how many Applications it has now. The count follows the Application
 * events, which name their ApplicationSet, so it never needs the applications read model.
 */
export const applicationSetsProjection: Projection<Handled> = {
  name: 'application_sets',
  version: 1,
  handles: [
    'ApplicationSetCreated',
    'ApplicationSetUpdated',
    'ApplicationSetDeleted',
    'ApplicationSetGenerated',
    'ApplicationSetGenerationFailed',
    'ApplicationSetDeletionHeld',
    'ApplicationSetDeletionConfirmed',
    'ApplicationCreated',
    'ApplicationDeleted',
  ],
  tables: ['application_sets'],
  async setup(tx: PoolClient, target: ProjectionTarget) {
    const table = target.table('application_sets');
    const exists = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (exists.rows[0]?.t) return;
    await tx.query(`CREATE TABLE ${table} (
      id uuid PRIMARY KEY,
      tenant text NOT NULL,
      name text NOT NULL,
      manifest jsonb NOT NULL,
      manifest_version integer NOT NULL,
      status jsonb NOT NULL,
      application_count integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL,
      last_position bigint NOT NULL,
      UNIQUE (tenant, name))`);
  },
  async apply(tx, events, target) {
    const table = target.table('application_sets');
    for (const e of events) await applyOne(tx, table, e);
  },
};

async function applyOne(tx: PoolClient, table: string, e: StoredOf<Handled>): Promise<void> {
  if (e.type === 'ApplicationCreated' || e.type === 'ApplicationDeleted') {
    // An Application of an ApplicationSet already deleted has no row left to count in.
    await tx.query(`UPDATE ${table} SET application_count = application_count + $2 WHERE id = $1`, [
      e.data.applicationSetId,
      e.type === 'ApplicationCreated' ? 1 : -1,
    ]);
    return;
  }
  const id = applicationSetIdOf(e.streamId);
  const at = e.recordedAt.toISOString();
  const common = [id, e.recordedAt, e.streamVersion, e.globalPosition.toString()];
  const update = (set: string, values: unknown[]) =>
    tx.query(
      `UPDATE ${table} SET ${set}, updated_at = $2, version = $3, last_position = $4 WHERE id = $1`,
      [...common, ...values],
    );
  const patchStatus = (patch: Partial<ApplicationSetStatusRow>) =>
    update('status = status || $5::jsonb', [JSON.stringify(patch)]);
  switch (e.type) {
    case 'ApplicationSetCreated':
      await tx.query(
        `INSERT INTO ${table} (id, tenant, name, manifest, manifest_version, status, created_at,
           updated_at, version, last_position)
         VALUES ($1, $5, $6, $7, $3, $8, $2, $2, $3, $4)`,
        [
          ...common,
          e.data.tenant,
          e.data.name,
          JSON.stringify(e.data.manifest),
          JSON.stringify(INITIAL_STATUS),
        ],
      );
      return;
    case 'ApplicationSetUpdated':
      await update('manifest = $5, manifest_version = $3', [JSON.stringify(e.data.manifest)]);
      return;
    case 'ApplicationSetDeleted':
      await tx.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
      return;
    case 'ApplicationSetGenerated': {
      const { violations, validationErrors, heldDeletions = 0, ...counts } = e.data;
      const still = heldDeletions > 0;
      // Deletions still held keep their hold and any confirmation (as the decider does).
      await update(
        `status = status || $5::jsonb
           || CASE WHEN $6 THEN '{}'::jsonb ELSE '{"held": null, "confirmed": null}'::jsonb END`,
        [
          JSON.stringify({
            lastGeneration: { ...counts, heldDeletions, at },
            failure: null,
            violations,
            validationErrors,
          }),
          still,
        ],
      );
      return;
    }
    case 'ApplicationSetGenerationFailed':
      await patchStatus({ failure: { ...e.data, at } });
      return;
    case 'ApplicationSetDeletionHeld':
      await patchStatus({ held: { ...e.data, at }, confirmed: null });
      return;
    case 'ApplicationSetDeletionConfirmed':
      await patchStatus({
        held: null,
        confirmed: { deletions: e.data.deletions, by: e.metadata.actor, at },
      });
      return;
    default:
      assertNever(e, 'ApplicationSet event');
  }
}
