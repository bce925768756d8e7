import { assertNever, rolloutIdOf, type RolloutEvent, type RolloutGate } from '@flotilla/domain';
import type { Projection, ProjectionTarget, StoredOf } from '@flotilla/event-store';
import type { PoolClient } from 'pg';

const VERSION = 1;
/** The live table of rollouts: one row per rollout. */
export const ROLLOUTS_TABLE = `rollouts_v${VERSION}`;
/** The live table of rollout targets: one row per (rollout, Application). */
export const ROLLOUT_TARGETS_TABLE = `rollout_targets_v${VERSION}`;

/** One element of a `rollouts_v1.steps` array. Times are the events' recorded times (ISO-8601). */
export interface RolloutStepRow {
  name: string;
  targetCount: number;
  started: boolean;
  completed: boolean;
  approved: boolean;
  approvedBy: string | null;
  approvedAt: string | null;
  approvalComment: string | null;
  windowOverriddenBy: string | null;
  waiting: { gate: RolloutGate; message: string; until: string | null } | null;
  startedAt: string | null;
  completedAt: string | null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `rollouts_v1`: one row per rollout, as `evolve` folds its stream: status, why and by whom it
 * started, paused or stopped, its steps (gates, approvals, times) and how many of its targets
 * stand where. `target_count` and the phase counts cover the step targets (what `evolve` keeps);
 * `excluded_count` the Applications no step selected. `current_step` is the first step not
 * completed (null when all are).
 *
 * `rollout_targets_v1`: one row per target (step -1 and phase `Excluded` for the excluded ones).
 *
 * Events naming many targets apply in one statement each; the counts and `current_step` are
 * recomputed once per batch for the rollouts it touched, from the rows themselves, so they cannot
 * drift from them. Nothing here is unique beyond the keys (not even "one active rollout per
 * ApplicationSet", the engine's rule): a read model must take whatever the log holds.
 */
export const rolloutsProjection: Projection<RolloutEvent> = {
  name: 'rollouts',
  version: VERSION,
  handles: [
    'RolloutStarted',
    'RolloutStepStarted',
    'RolloutTargetsUpdated',
    'RolloutTargetsHealthy',
    'RolloutTargetsFailed',
    'RolloutTargetsSkipped',
    'RolloutGateWaiting',
    'RolloutApproved',
    'RolloutSyncWindowOverridden',
    'RolloutStepCompleted',
    'RolloutPaused',
    'RolloutResumed',
    'RolloutAborted',
    'RolloutRolledBack',
    'RolloutCompleted',
    'RolloutSuperseded',
  ],
  tables: ['rollouts', 'rollout_targets'],
  async setup(tx: PoolClient, target: ProjectionTarget) {
    const rollouts = target.table('rollouts');
    if (!(await exists(tx, rollouts))) {
      await tx.query(`CREATE TABLE ${rollouts} (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        application_set_id uuid NOT NULL,
        application_set_name text NOT NULL,
        status text NOT NULL,
        revision text NOT NULL,
        commits text[] NOT NULL,
        reason text NOT NULL,
        started_by text NOT NULL,
        started_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        finished_at timestamptz,
        supersedes uuid,
        superseded_by uuid,
        paused_by text,
        pause_reason text,
        aborted_rollback boolean,
        abort_reason text,
        strategy jsonb NOT NULL,
        steps jsonb NOT NULL,
        current_step integer,
        target_count integer NOT NULL DEFAULT 0,
        updated_count integer NOT NULL DEFAULT 0,
        healthy_count integer NOT NULL DEFAULT 0,
        failed_count integer NOT NULL DEFAULT 0,
        skipped_count integer NOT NULL DEFAULT 0,
        excluded_count integer NOT NULL DEFAULT 0,
        rolled_back_count integer NOT NULL DEFAULT 0,
        version integer NOT NULL,
        last_position bigint NOT NULL)`);
      await tx.query(`CREATE INDEX ON ${rollouts} (application_set_id, started_at DESC)`);
      await tx.query(`CREATE INDEX ON ${rollouts} (tenant, started_at DESC, id)`);
      await tx.query(
        `CREATE INDEX ON ${rollouts} (application_set_id) WHERE status IN ('Progressing', 'Paused')`,
      );
    }
    const targets = target.table('rollout_targets');
    if (!(await exists(tx, targets))) {
      await tx.query(`CREATE TABLE ${targets} (
        rollout_id uuid NOT NULL,
        application_id uuid NOT NULL,
        cluster_id text NOT NULL,
        cluster_name text NOT NULL,
        application_name text NOT NULL,
        step integer NOT NULL,
        phase text NOT NULL,
        bundle_id text NOT NULL,
        commit text NOT NULL,
        updated_at timestamptz,
        healthy_at timestamptz,
        failure_reason text,
        failure_message text,
        rolled_back boolean NOT NULL DEFAULT false,
        PRIMARY KEY (rollout_id, application_id))`);
      await tx.query(`CREATE INDEX ON ${targets} (rollout_id, step, cluster_name)`);
    }
  },
  async apply(tx, events, target) {
    const t: Tables = {
      rollouts: target.table('rollouts'),
      targets: target.table('rollout_targets'),
    };
    const touched = new Set<string>();
    for (const e of events) {
      const id = rolloutIdOf(e.streamId);
      // Only the engine writes rollout streams; a malformed one must not stop the read model.
      if (!UUID_RE.test(id)) continue;
      await applyOne(tx, t, id, e);
      touched.add(id);
    }
    if (touched.size > 0) await refreshTallies(tx, t, [...touched]);
  },
};

interface Tables {
  rollouts: string;
  targets: string;
}

const exists = async (tx: PoolClient, table: string): Promise<boolean> => {
  const { rows } = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
  return Boolean(rows[0]?.t);
};

async function applyOne(
  tx: PoolClient,
  t: Tables,
  id: string,
  e: StoredOf<RolloutEvent>,
): Promise<void> {
  const at = e.recordedAt;
  const common = [id, at, e.streamVersion, e.globalPosition.toString()];
  /** Updates the rollout row: `set` may use `$5` onwards for `values`. */
  const update = (set: string, values: unknown[] = []) =>
    tx.query(
      `UPDATE ${t.rollouts} SET ${set ? `${set}, ` : ''}updated_at = $2, version = $3,
         last_position = $4 WHERE id = $1`,
      [...common, ...values],
    );
  /** Merges `patch` into step `step` (an index past the steps changes nothing). */
  const patchStep = (step: number, patch: Partial<RolloutStepRow>, start = false) =>
    update(
      `steps = CASE WHEN $5::int < jsonb_array_length(steps) THEN jsonb_set(steps,
         ARRAY[$5::int::text], (steps->$5::int) || $6::jsonb || CASE
           WHEN $7 AND steps->$5::int->>'startedAt' IS NULL
           THEN jsonb_build_object('startedAt', $8::text) ELSE '{}'::jsonb END)
       ELSE steps END`,
      [step, JSON.stringify(patch), start, at.toISOString()],
    );
  /**
   * Sets `set` on the rollout's step targets among `ids` (excluded ones are no targets to
   * `evolve`); `set` may use `$3` onwards for `values`.
   */
  const targets = (set: string, ids: string[], values: unknown[] = []) =>
    tx.query(
      `UPDATE ${t.targets} SET ${set} WHERE rollout_id = $1 AND application_id = ANY($2::uuid[])
         AND step >= 0`,
      [id, ids, ...values],
    );
  const idsOf = (list: readonly { applicationId: string }[]) => list.map((x) => x.applicationId);
  switch (e.type) {
    case 'RolloutStarted':
      await started(tx, t, e, common);
      return;
    case 'RolloutStepStarted':
      await patchStep(e.data.step, { started: true }, true);
      return;
    case 'RolloutTargetsUpdated':
      await patchStep(e.data.step, { started: true, waiting: null }, true);
      await targets(
        `phase = 'Updating', updated_at = $3, healthy_at = NULL, failure_reason = NULL,
         failure_message = NULL`,
        idsOf(e.data.targets),
        [new Date(e.data.at)],
      );
      return;
    case 'RolloutTargetsHealthy':
      await update('');
      await targets(`phase = 'Healthy', healthy_at = $3`, idsOf(e.data.targets), [
        new Date(e.data.at),
      ]);
      return;
    case 'RolloutTargetsFailed': {
      await update('');
      // One message per target: the last one named wins, as in `evolve`.
      const last = new Map(e.data.targets.map((x) => [x.applicationId, x]));
      await tx.query(
        `UPDATE ${t.targets} tg SET phase = 'Failed', failure_reason = f.reason,
           failure_message = f.message
         FROM unnest($2::uuid[], $3::text[], $4::text[]) AS f(application_id, reason, message)
         WHERE tg.rollout_id = $1 AND tg.application_id = f.application_id AND tg.step >= 0`,
        [
          id,
          [...last.keys()],
          [...last.values()].map((x) => x.reason),
          [...last.values()].map((x) => x.message),
        ],
      );
      return;
    }
    case 'RolloutTargetsSkipped':
      await update('');
      await targets(`phase = 'Skipped'`, idsOf(e.data.targets));
      return;
    case 'RolloutGateWaiting': {
      const { gate, message, until } = e.data;
      await patchStep(e.data.step, { waiting: { gate, message, until } });
      return;
    }
    case 'RolloutApproved':
      await patchStep(e.data.step, {
        approved: true,
        approvedBy: e.metadata.actor,
        approvedAt: at.toISOString(),
        approvalComment: e.data.comment,
        waiting: null,
      });
      return;
    case 'RolloutSyncWindowOverridden':
      await patchStep(e.data.step, { windowOverriddenBy: e.metadata.actor, waiting: null });
      return;
    case 'RolloutStepCompleted':
      await patchStep(e.data.step, {
        completed: true,
        completedAt: at.toISOString(),
        waiting: null,
      });
      return;
    case 'RolloutPaused':
      await update(`status = 'Paused', paused_by = $5, pause_reason = $6, finished_at = NULL`, [
        e.data.by,
        e.data.reason,
      ]);
      return;
    case 'RolloutResumed':
      await update(
        `status = 'Progressing', paused_by = NULL, pause_reason = NULL, finished_at = NULL`,
      );
      return;
    case 'RolloutAborted':
      await update(
        `status = 'Aborted', aborted_rollback = $5, abort_reason = $6, finished_at = $2`,
        [e.data.rollback, e.data.reason],
      );
      return;
    case 'RolloutRolledBack':
      await update('');
      if (e.data.targets.length > 0) await targets('rolled_back = true', idsOf(e.data.targets));
      return;
    case 'RolloutCompleted':
      await update(`status = 'Completed', finished_at = $2`);
      return;
    case 'RolloutSuperseded':
      await update(`status = 'Superseded', superseded_by = $5, finished_at = $2`, [e.data.by]);
      return;
    default:
      assertNever(e, 'rollout event');
  }
}

/**
 * Inserts (or, should a stream start twice, resets) the rollout row and every target: one
 * statement for all of them, however many thousands.
 */
async function started(
  tx: PoolClient,
  t: Tables,
  e: Extract<StoredOf<RolloutEvent>, { type: 'RolloutStarted' }>,
  [id, at, version, position]: unknown[],
): Promise<void> {
  const d = e.data;
  const steps: RolloutStepRow[] = d.steps.map((s) => ({
    name: s.name,
    targetCount: s.targets.length,
    started: false,
    completed: false,
    approved: false,
    approvedBy: null,
    approvedAt: null,
    approvalComment: null,
    windowOverriddenBy: null,
    waiting: null,
    startedAt: null,
    completedAt: null,
  }));
  // Every column but the tallies, which are recomputed after the batch.
  const row: Record<string, unknown> = {
    id,
    tenant: d.tenant,
    application_set_id: d.applicationSetId,
    application_set_name: d.applicationSetName,
    status: 'Progressing',
    revision: d.revision,
    commits: d.commits,
    reason: d.reason,
    started_by: e.metadata.actor,
    started_at: at,
    updated_at: at,
    finished_at: null,
    supersedes: d.supersedes,
    superseded_by: null,
    paused_by: null,
    pause_reason: null,
    aborted_rollback: null,
    abort_reason: null,
    strategy: JSON.stringify(d.strategy),
    steps: JSON.stringify(steps),
    version,
    last_position: position,
  };
  const columns = Object.keys(row);
  await tx.query(
    `INSERT INTO ${t.rollouts} (${columns.join(', ')})
     VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
    Object.values(row),
  );
  await tx.query(`DELETE FROM ${t.targets} WHERE rollout_id = $1`, [id]);
  // Excluded targets are step -1. An Application listed twice keeps its last step, as `evolve`
  // keeps it (a later Map.set wins); excluded loses to any step.
  const all = [
    ...d.excluded.map((x) => ({ ...x, step: -1 })),
    ...d.steps.flatMap((s, step) => s.targets.map((x) => ({ ...x, step }))),
  ];
  const column = <K extends keyof (typeof all)[number]>(k: K) => all.map((x) => x[k]);
  await tx.query(
    `INSERT INTO ${t.targets} (rollout_id, application_id, cluster_id, cluster_name,
       application_name, step, phase, bundle_id, commit)
     SELECT DISTINCT ON (x.application_id) $1, x.application_id, x.cluster_id, x.cluster_name,
       x.application_name, x.step, CASE WHEN x.step < 0 THEN 'Excluded' ELSE 'Pending' END,
       x.bundle_id, x.commit
     FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
       $8::text[]) WITH ORDINALITY
       AS x(application_id, cluster_id, cluster_name, application_name, step, bundle_id, commit, n)
     ORDER BY x.application_id, x.n DESC`,
    [
      id,
      column('applicationId'),
      column('clusterId'),
      column('clusterName'),
      column('applicationName'),
      column('step'),
      column('bundleId'),
      column('commit'),
    ],
  );
}

/** Recomputes the counts and current step of `ids` from their targets and steps. */
async function refreshTallies(tx: PoolClient, t: Tables, ids: string[]): Promise<void> {
  await tx.query(
    `UPDATE ${t.rollouts} r SET
       current_step = (SELECT min(s.n)::int - 1
                       FROM jsonb_array_elements(r.steps) WITH ORDINALITY AS s(step, n)
                       WHERE (s.step->>'completed')::boolean IS NOT TRUE),
       target_count = c.target_count, updated_count = c.updated_count,
       healthy_count = c.healthy_count, failed_count = c.failed_count,
       skipped_count = c.skipped_count, excluded_count = c.excluded_count,
       rolled_back_count = c.rolled_back_count
     FROM unnest($1::uuid[]) AS ids(id) CROSS JOIN LATERAL (
       SELECT count(*) FILTER (WHERE phase <> 'Excluded') AS target_count,
              count(*) FILTER (WHERE updated_at IS NOT NULL) AS updated_count,
              count(*) FILTER (WHERE phase = 'Healthy') AS healthy_count,
              count(*) FILTER (WHERE phase = 'Failed') AS failed_count,
              count(*) FILTER (WHERE phase = 'Skipped') AS skipped_count,
              count(*) FILTER (WHERE phase = 'Excluded') AS excluded_count,
              count(*) FILTER (WHERE rolled_back) AS rolled_back_count
       FROM ${t.targets} WHERE rollout_id = ids.id) c
     WHERE r.id = ids.id`,
    [ids],
  );
}
