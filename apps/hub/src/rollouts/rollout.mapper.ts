import { DomainError, type Amount, type RolloutStepSpec } from '@flotilla/domain';
import type { RolloutStepRow } from '@flotilla/projections';
import { pageArgsByName } from '../graphql/page-args';
import type { LabelSelector } from '../tenants/tenant.model';
import {
  RolloutGate,
  RolloutPauseCause,
  RolloutStatus,
  RolloutStepSelectionKind,
  RolloutStepState,
  RolloutStrategyType,
  RolloutTargetPhase,
  UnavailableClusterPolicy,
  type Rollout,
  type RolloutConnection,
  type RolloutStep,
  type RolloutStepSelection,
  type RolloutTarget,
  type RolloutTargetConnection,
} from './rollout.model';
import type {
  RolloutCursor,
  RolloutRow,
  RolloutTargetRow,
  TargetCursor,
  TargetPage,
} from './rollout.read-model';

/**
 * The RBAC object of a rollout for reading: its ApplicationSet's (`<tenant>/<name>`), since a
 * rollout is that ApplicationSet's change.
 */
export const rolloutSetObject = (r: { tenant: string; applicationSetName: string }) =>
  `${r.tenant}/${r.applicationSetName}`;

const amountText = (a: Amount): string => ('count' in a ? String(a.count) : `${a.percent}%`);
const date = (iso: string | null | undefined): Date | null => (iso ? new Date(iso) : null);

function selectionOf(spec: RolloutStepSpec | undefined): RolloutStepSelection {
  const select = spec?.select ?? { kind: 'rest' };
  const selector = (s: {
    matchLabels?: Record<string, string>;
    matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
  }): LabelSelector => ({
    matchLabels: s.matchLabels ?? {},
    matchExpressions: (s.matchExpressions ?? []).map((e) => ({
      key: e.key,
      operator: e.operator,
      values: [...(e.values ?? [])],
    })),
  });
  switch (select.kind) {
    case 'clusterLabels':
      return {
        kind: RolloutStepSelectionKind.ClusterLabels,
        selector: selector(select.selector),
        percent: null,
      };
    case 'applicationLabels':
      return {
        kind: RolloutStepSelectionKind.ApplicationLabels,
        selector: selector(select.selector),
        percent: null,
      };
    case 'percent':
      return { kind: RolloutStepSelectionKind.Percent, selector: null, percent: select.percent };
    case 'rest':
      return { kind: RolloutStepSelectionKind.Rest, selector: null, percent: null };
  }
}

function stepStateOf(s: RolloutStepRow): RolloutStepState {
  if (s.completed) return RolloutStepState.Completed;
  if (s.waiting) return RolloutStepState.Waiting;
  return s.started ? RolloutStepState.Progressing : RolloutStepState.Pending;
}

function toStep(s: RolloutStepRow, spec: RolloutStepSpec | undefined, index: number): RolloutStep {
  return {
    index,
    name: s.name,
    state: stepStateOf(s),
    targetCount: s.targetCount,
    selection: selectionOf(spec),
    maxUnavailable: spec ? amountText(spec.maxUnavailable) : '100%',
    minSuccessTimeSeconds: (spec?.minSuccessTimeMs ?? 0) / 1000,
    progressDeadlineSeconds:
      spec?.progressDeadlineMs != null ? spec.progressDeadlineMs / 1000 : null,
    approvalRequired: spec?.approval ?? false,
    waiting: s.waiting
      ? {
          gate: s.waiting.gate as RolloutGate,
          message: s.waiting.message,
          until: date(s.waiting.until),
        }
      : null,
    approved: s.approved,
    approvedBy: s.approvedBy,
    approvedAt: date(s.approvedAt),
    approvalComment: s.approvalComment,
    windowOverriddenBy: s.windowOverriddenBy,
    startedAt: date(s.startedAt),
    completedAt: date(s.completedAt),
  };
}

/**
 * Maps a read-model row to the GraphQL shape. `batch` is the scope its targets and history load
 * in (see {@link Rollout.batch}).
 */
export function toRollout(row: RolloutRow, batch: object): Rollout {
  const strategy = row.strategy;
  return {
    id: row.id,
    tenant: row.tenant,
    applicationSetId: row.application_set_id,
    applicationSetName: row.application_set_name,
    status: row.status as RolloutStatus,
    strategy: {
      type: strategy.type as RolloutStrategyType,
      stepCount: strategy.steps.length,
      maxFailures: amountText(strategy.maxFailures),
      unavailableClusters: strategy.unavailableClusters as UnavailableClusterPolicy,
      maxUnavailableSteps: strategy.maxUnavailableSteps,
    },
    revision: row.revision,
    commits: row.commits,
    reason: row.reason,
    startedBy: row.started_by,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    supersedes: row.supersedes,
    supersededBy: row.superseded_by,
    pause:
      row.status === RolloutStatus.Paused && row.paused_by
        ? {
            by: row.paused_by === 'user' ? RolloutPauseCause.User : RolloutPauseCause.Health,
            reason: row.pause_reason ?? '',
          }
        : null,
    abort:
      row.status === RolloutStatus.Aborted
        ? { rollback: row.aborted_rollback ?? false, reason: row.abort_reason ?? '' }
        : null,
    currentStep: row.current_step,
    counts: {
      targets: row.target_count,
      updated: row.updated_count,
      healthy: row.healthy_count,
      failed: row.failed_count,
      skipped: row.skipped_count,
      excluded: row.excluded_count,
      rolledBack: row.rolled_back_count,
    },
    steps: row.steps.map((s, i) => toStep(s, strategy.steps[i], i)),
    version: row.version,
    batch,
  };
}

const badCursor = () =>
  new DomainError('BAD_USER_INPUT', 'after: must be a cursor returned by this connection', 'after');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ROLLOUT_CURSOR = /^(\d{1,19}):([0-9a-f-]{36})$/;
const rolloutCursorOf = (r: RolloutRow) => `${r.started_us}:${r.id}`;

/** Validates `first` (1..500) and a rollout cursor (`after`), naming the argument at fault. */
export function rolloutPageArgs(
  first: number,
  given: string | null | undefined,
): { first: number; after?: RolloutCursor } {
  const { after } = pageArgsByName(first, given);
  if (after === undefined) return { first };
  const match = ROLLOUT_CURSOR.exec(after);
  if (!match || !UUID.test(match[2]!)) throw badCursor();
  return { first, after: { startedUs: match[1]!, id: match[2]! } };
}

/** A page of rollouts: `rows` holds up to `first + 1` (the extra one only says there is more). */
export function toRolloutConnection(
  rows: readonly RolloutRow[],
  shown: readonly Rollout[],
  first: number,
): RolloutConnection {
  const page = rows.slice(0, first);
  const cursors = new Map(page.map((r) => [r.id, rolloutCursorOf(r)]));
  return {
    edges: shown.map((node) => ({ cursor: cursors.get(node.id)!, node })),
    pageInfo: {
      hasNextPage: rows.length > first,
      endCursor: page.length > 0 ? rolloutCursorOf(page[page.length - 1]!) : null,
    },
  };
}

const targetCursorOf = (t: RolloutTargetRow): string =>
  Buffer.from(
    JSON.stringify([t.step < 0, t.step, t.cluster_name, t.application_id] satisfies TargetCursor),
  ).toString('base64url');

/** Validates `first` and a target cursor (`after`), naming the argument at fault. */
export function targetPageArgs(
  first: number,
  given: string | null | undefined,
): { first: number; after?: TargetCursor } {
  const { after } = pageArgsByName(first, given);
  if (after === undefined) return { first };
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 4 ||
    typeof parts[0] !== 'boolean' ||
    !Number.isInteger(parts[1]) ||
    typeof parts[2] !== 'string' ||
    typeof parts[3] !== 'string' ||
    !UUID.test(parts[3])
  )
    throw badCursor();
  return { first, after: parts as TargetCursor };
}

function toTarget(t: RolloutTargetRow): RolloutTarget {
  return {
    applicationId: t.application_id,
    applicationName: t.application_name,
    clusterId: t.cluster_id,
    clusterName: t.cluster_name,
    step: t.step < 0 ? null : t.step,
    phase: t.phase as RolloutTargetPhase,
    bundleId: t.bundle_id,
    commit: t.commit,
    updatedAt: t.updated_at,
    healthyAt: t.healthy_at,
    failure:
      t.failure_reason !== null
        ? { reason: t.failure_reason, message: t.failure_message ?? '' }
        : null,
    rolledBack: t.rolled_back,
  };
}

/** A page of targets: `page.rows` holds up to `first + 1`. */
export function toTargetConnection(page: TargetPage, first: number): RolloutTargetConnection {
  const shown = page.rows.slice(0, first);
  return {
    edges: shown.map((t) => ({ cursor: targetCursorOf(t), node: toTarget(t) })),
    pageInfo: {
      hasNextPage: page.rows.length > first,
      endCursor: shown.length > 0 ? targetCursorOf(shown[shown.length - 1]!) : null,
    },
    totalCount: page.total,
  };
}
