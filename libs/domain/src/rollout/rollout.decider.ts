import { assertNever, DomainError } from '../domain-error';
import { resolveAmount, type RolloutStrategy } from './rollout-strategy';
import type { Rendering, RolloutEvent, RolloutGate, RolloutTarget } from './rollout.events';

/**
 * The Rollout aggregate: `evolve` folds its events; `decide` answers user commands; `advance` is
 * the orchestrator's step, deciding from the rollout's own state and an observation of the fleet
 * (what each target's cluster runs and reports, whether it is reachable, what its sync windows
 * say) which events come next, and when to look again. All of it is pure: the worker reads the
 * observation, calls `advance`, and appends what it answers in one transaction with the
 * rollout's expected version, so two workers never both act on one state.
 */

export const TARGET_PHASES = ['Pending', 'Updating', 'Healthy', 'Failed', 'Skipped'] as const;
export type TargetPhase = (typeof TARGET_PHASES)[number];

export interface TargetState extends RolloutTarget {
  step: number;
  phase: TargetPhase;
  updatedAt: Date | null;
  healthyAt: Date | null;
  rendering: Rendering | null;
  previous: Rendering | null;
  failure: { reason: string; message: string } | null;
  rolledBack: boolean;
}

export interface StepState {
  name: string;
  targets: string[];
  started: boolean;
  completed: boolean;
  approved: boolean;
  windowOverridden: boolean;
  waiting: { gate: RolloutGate; message: string } | null;
}

export const ROLLOUT_PHASES = [
  'Progressing',
  'Paused',
  'Completed',
  'Aborted',
  'Superseded',
] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

export type RolloutState =
  | { status: 'absent' }
  | {
      status: RolloutPhase;
      tenant: string;
      applicationSetId: string;
      applicationSetName: string;
      strategy: RolloutStrategy;
      revision: string;
      steps: StepState[];
      targets: Map<string, TargetState>;
      /** Applications no step selected, with the bundle the rollout would have brought them. */
      excluded: Map<string, string>;
      pausedBy: 'user' | 'health' | null;
      /** Failures accepted by a resume: the budget counts failures beyond these. */
      acceptedFailures: number;
      supersededBy: string | null;
    };
export type LiveRolloutState = Exclude<RolloutState, { status: 'absent' }>;

export const initialRolloutState: RolloutState = { status: 'absent' };

/**
 * Folds one event. `_recordedAt` is when the log recorded it: no state reads it, since the times
 * decisions count from (updates, health) travel in the events themselves, by the orchestrator's
 * clock; it stays in the signature so that folding code passes what a later version may need.
 */
export function evolve(state: RolloutState, event: RolloutEvent, _recordedAt: Date): RolloutState {
  if (event.type === 'RolloutStarted') {
    const d = event.data;
    const targets = new Map<string, TargetState>();
    d.steps.forEach((step, i) => {
      for (const t of step.targets)
        targets.set(t.applicationId, {
          ...t,
          step: i,
          phase: 'Pending',
          updatedAt: null,
          healthyAt: null,
          rendering: null,
          previous: null,
          failure: null,
          rolledBack: false,
        });
    });
    return {
      status: 'Progressing',
      tenant: d.tenant,
      applicationSetId: d.applicationSetId,
      applicationSetName: d.applicationSetName,
      strategy: d.strategy,
      revision: d.revision,
      steps: d.steps.map((s) => ({
        name: s.name,
        targets: s.targets.map((t) => t.applicationId),
        started: false,
        completed: false,
        approved: false,
        windowOverridden: false,
        waiting: null,
      })),
      targets,
      excluded: new Map(d.excluded.map((t) => [t.applicationId, t.bundleId])),
      pausedBy: null,
      acceptedFailures: 0,
      supersededBy: null,
    };
  }
  if (state.status === 'absent') return state;
  const s: LiveRolloutState = {
    ...state,
    steps: [...state.steps],
    targets: new Map(state.targets),
  };
  const step = (i: number, change: Partial<StepState>) => {
    const current = s.steps[i];
    if (current) s.steps[i] = { ...current, ...change }; // a step past the last: nothing to change
  };
  const target = (id: string, change: Partial<TargetState>) => {
    const t = s.targets.get(id);
    if (t) s.targets.set(id, { ...t, ...change });
  };
  switch (event.type) {
    case 'RolloutStepStarted':
      step(event.data.step, { started: true });
      return s;
    case 'RolloutTargetsUpdated':
      step(event.data.step, { started: true, waiting: null });
      for (const t of event.data.targets)
        target(t.applicationId, {
          phase: 'Updating',
          updatedAt: new Date(event.data.at),
          healthyAt: null,
          rendering: t.rendering,
          previous: t.previous,
          failure: null,
        });
      return s;
    case 'RolloutTargetsHealthy':
      for (const t of event.data.targets)
        target(t.applicationId, { phase: 'Healthy', healthyAt: new Date(event.data.at) });
      return s;
    case 'RolloutTargetsFailed':
      for (const t of event.data.targets)
        target(t.applicationId, {
          phase: 'Failed',
          failure: { reason: t.reason, message: t.message },
        });
      return s;
    case 'RolloutTargetsSkipped':
      for (const t of event.data.targets) target(t.applicationId, { phase: 'Skipped' });
      return s;
    case 'RolloutGateWaiting':
      step(event.data.step, { waiting: { gate: event.data.gate, message: event.data.message } });
      return s;
    case 'RolloutApproved':
      step(event.data.step, { approved: true, waiting: null });
      return s;
    case 'RolloutSyncWindowOverridden':
      step(event.data.step, { windowOverridden: true, waiting: null });
      return s;
    case 'RolloutStepCompleted':
      step(event.data.step, { completed: true, waiting: null });
      return s;
    case 'RolloutPaused':
      return { ...s, status: 'Paused', pausedBy: event.data.by };
    case 'RolloutResumed':
      return { ...s, status: 'Progressing', pausedBy: null, acceptedFailures: failedCount(s) };
    case 'RolloutAborted':
      return { ...s, status: 'Aborted' };
    case 'RolloutRolledBack':
      for (const t of event.data.targets) target(t.applicationId, { rolledBack: true });
      return s;
    case 'RolloutCompleted':
      return { ...s, status: 'Completed' };
    case 'RolloutSuperseded':
      return { ...s, status: 'Superseded', supersededBy: event.data.by };
    default:
      return assertNever(event);
  }
}

/** Folds a stream's events, each with its recording time. */
export function foldRollout(events: readonly { event: RolloutEvent; at: Date }[]): RolloutState {
  return events.reduce<RolloutState>((s, e) => evolve(s, e.event, e.at), initialRolloutState);
}

const failedCount = (s: LiveRolloutState): number =>
  [...s.targets.values()].filter((t) => t.phase === 'Failed').length;

const terminal = (s: RolloutState): boolean =>
  s.status === 'Completed' || s.status === 'Aborted' || s.status === 'Superseded';

/** User commands (the actor is in the envelope). */
export type RolloutCommand =
  | { type: 'ApproveRollout'; data: { step?: number; comment: string } }
  | {
      type: 'OverrideSyncWindow';
      data: { step?: number; comment: string; window: string; manualAllowed: boolean };
    }
  | { type: 'PauseRollout'; data: { reason: string } }
  | { type: 'ResumeRollout'; data: { comment: string } }
  | { type: 'AbortRollout'; data: { rollback: boolean; reason: string } }
  | { type: 'SupersedeRollout'; data: { by: string } };

const notFound = () => new DomainError('NOT_FOUND', 'rollout not found');
const conflict = (message: string) => new DomainError('CONFLICT', message);

/** The first step waiting at `gate`, or the given one when it does. */
function waitingStep(s: LiveRolloutState, gate: RolloutGate, given?: number): number {
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 0 || given >= s.steps.length)
      throw new DomainError(
        'BAD_USER_INPUT',
        `step: must be a step index from 0 to ${s.steps.length - 1}`,
        'step',
      );
    if (s.steps[given]!.waiting?.gate !== gate)
      throw conflict(
        `step ${given} (${s.steps[given]!.name}) is not waiting for ${gateText(gate)}`,
      );
    return given;
  }
  const i = s.steps.findIndex((st) => st.waiting?.gate === gate);
  if (i < 0) throw conflict(`no step of this rollout is waiting for ${gateText(gate)}`);
  return i;
}

const gateText = (gate: RolloutGate): string =>
  gate === 'Approval' ? 'approval' : gate === 'SyncWindow' ? 'a sync window' : 'clusters';

/** Decides a user command: pure. */
export function decide(command: RolloutCommand, state: RolloutState): RolloutEvent[] {
  if (state.status === 'absent') throw notFound();
  if (terminal(state)) throw conflict(`rollout is ${state.status}`);
  switch (command.type) {
    case 'ApproveRollout': {
      const step = waitingStep(state, 'Approval', command.data.step);
      return [{ type: 'RolloutApproved', data: { step, comment: command.data.comment } }];
    }
    case 'OverrideSyncWindow': {
      const step = waitingStep(state, 'SyncWindow', command.data.step);
      if (!command.data.manualAllowed)
        throw new DomainError(
          'FORBIDDEN',
          `the sync window holding step ${step} does not allow manual syncs (${command.data.window})`,
        );
      const { comment, window } = command.data;
      return [{ type: 'RolloutSyncWindowOverridden', data: { step, window, comment } }];
    }
    case 'PauseRollout':
      if (state.status === 'Paused') throw conflict('rollout is already Paused');
      return [{ type: 'RolloutPaused', data: { by: 'user', reason: command.data.reason } }];
    case 'ResumeRollout':
      if (state.status !== 'Paused') throw conflict(`rollout is ${state.status}, not Paused`);
      return [{ type: 'RolloutResumed', data: { comment: command.data.comment } }];
    case 'AbortRollout': {
      const events: RolloutEvent[] = [
        {
          type: 'RolloutAborted',
          data: { rollback: command.data.rollback, reason: command.data.reason },
        },
      ];
      if (command.data.rollback) {
        const targets = rollbackTargets(state);
        if (targets.length > 0) events.push({ type: 'RolloutRolledBack', data: { targets } });
      }
      return events;
    }
    case 'SupersedeRollout':
      return [{ type: 'RolloutSuperseded', data: { by: command.data.by } }];
    default:
      return assertNever(command);
  }
}

/** The updated targets that ran something before, with what that was. */
export function rollbackTargets(
  s: LiveRolloutState,
): { applicationId: string; clusterId: string; rendering: Rendering }[] {
  return [...s.targets.values()]
    .filter((t) => t.rendering !== null && t.previous !== null && !t.rolledBack)
    .map((t) => ({
      applicationId: t.applicationId,
      clusterId: t.clusterId,
      rendering: t.previous!,
    }));
}

/** What the orchestrator sees of one target when it advances. */
export interface TargetObservation {
  /** The cluster's connectivity; null when the cluster is gone. */
  connectivity: 'Ready' | 'Stale' | 'Offline' | null;
  /** The rendering held back for the Application, if any. */
  staged: Rendering | null;
  /** What the Application's cluster is told to run now. */
  live: Rendering | null;
  /** What the cluster last reported. */
  status: { bundleId: string | null; sync: string; health: string } | null;
  /** The sync windows on this target now: allowed, and if not, until when (null: unknown). */
  window: { allowed: boolean; reason: string; recheckAt: Date | null };
}

export interface Observation {
  now: Date;
  targets: ReadonlyMap<string, TargetObservation>;
}

/** What `advance` decided: events to append, and when to advance again by the clock. */
export interface Advance {
  events: RolloutEvent[];
  wakeAt: Date | null;
}

const unavailableIn = (targets: TargetState[]): number =>
  targets.filter((t) => t.phase === 'Updating' || t.phase === 'Failed').length;

/**
 * The orchestrator's step. Judges the updated targets (Healthy on the new bundle, Degraded on it,
 * or past the progress deadline), pauses past the failure budget, completes steps whose targets
 * have all been Healthy for the bake time, and updates more targets where the gates (approval,
 * sync windows, cluster connectivity, `maxUnavailable`, `maxUnavailableSteps`) allow.
 */
export function advance(state: RolloutState, obs: Observation): Advance {
  if (state.status !== 'Progressing') return { events: [], wakeAt: null };
  const now = obs.now;
  const events: RolloutEvent[] = [];
  let wakeAt: number | null = null;
  const wake = (at: number) => {
    if (at > now.getTime() && (wakeAt === null || at < wakeAt)) wakeAt = at;
  };
  const s: LiveRolloutState = {
    ...state,
    steps: [...state.steps],
    targets: new Map(state.targets),
  };
  const emit = (event: RolloutEvent) => {
    events.push(event);
    Object.assign(s, evolve(s, event, now));
  };
  const observe = (t: TargetState): TargetObservation | undefined =>
    obs.targets.get(t.applicationId);
  const stepTargets = (i: number) => s.steps[i]!.targets.map((id) => s.targets.get(id)!);

  // 1. Judge the targets updated so far.
  for (let i = 0; i < s.steps.length; i++) {
    const spec = s.strategy.steps[i]!;
    const healthy: { applicationId: string; clusterId: string }[] = [];
    const failed: {
      applicationId: string;
      clusterId: string;
      reason: 'Degraded' | 'ProgressDeadlineExceeded';
      message: string;
    }[] = [];
    for (const t of stepTargets(i)) {
      if (t.phase !== 'Updating' && t.phase !== 'Healthy') continue;
      const o = observe(t);
      if (!o) continue; // gone: neither healthy nor failed, and nothing to wait for
      const onNew = o?.status?.bundleId === t.rendering?.bundleId;
      const ref = { applicationId: t.applicationId, clusterId: t.clusterId };
      if (onNew && o?.status?.health === 'Degraded') {
        failed.push({
          ...ref,
          reason: 'Degraded',
          message: `Degraded on ${t.rendering!.commit.slice(0, 12)}${t.phase === 'Healthy' ? ' after it was Healthy' : ''}`,
        });
      } else if (t.phase === 'Updating') {
        if (onNew && o?.status?.sync === 'Synced' && o.status.health === 'Healthy')
          healthy.push(ref);
        else if (spec.progressDeadlineMs !== null && t.updatedAt) {
          const deadline = t.updatedAt.getTime() + spec.progressDeadlineMs;
          if (now.getTime() >= deadline)
            failed.push({
              ...ref,
              reason: 'ProgressDeadlineExceeded',
              message: `not Healthy ${Math.round(spec.progressDeadlineMs / 1000)} s after its update (${o?.status?.health ?? 'no report'})`,
            });
          else wake(deadline);
        }
      }
    }
    if (healthy.length > 0)
      emit({
        type: 'RolloutTargetsHealthy',
        data: { step: i, at: now.toISOString(), targets: healthy },
      });
    if (failed.length > 0)
      emit({ type: 'RolloutTargetsFailed', data: { step: i, targets: failed } });
  }
  if (overBudget(s)) {
    emitPause(s, emit);
    return { events, wakeAt: null };
  }

  // 2. Complete and start steps, in order.
  for (let i = 0; i < s.steps.length; i++) {
    const step = s.steps[i]!;
    const spec = s.strategy.steps[i]!;
    const targets = stepTargets(i);
    const unfinishedBefore = s.steps.slice(0, i).filter((st) => !st.completed).length;
    if (!step.completed && unfinishedBefore > s.strategy.maxUnavailableSteps) break;
    if (!step.completed && !step.started && spec.approval && !step.approved) {
      if (step.waiting?.gate !== 'Approval')
        emit({
          type: 'RolloutGateWaiting',
          data: {
            step: i,
            gate: 'Approval',
            message: `step ${spec.name} waits for a deployer to promote the rollout`,
            until: null,
          },
        });
      break;
    }
    // Update what the gates allow.
    const limit = resolveAmount(spec.maxUnavailable, targets.length);
    let room = limit - unavailableIn(targets.filter((t) => observe(t)));
    const updates: Extract<RolloutEvent, { type: 'RolloutTargetsUpdated' }>['data']['targets'] = [];
    const skipped: { applicationId: string; clusterId: string }[] = [];
    const unreachable: {
      applicationId: string;
      clusterId: string;
      reason: 'ClusterUnavailable';
      message: string;
    }[] = [];
    let heldByWindow: TargetObservation['window'] | null = null;
    let heldByCluster = 0;
    for (const t of targets) {
      if (room <= 0) break;
      const o = observe(t);
      if (!o) continue; // the Application is gone (deleted since the start): nothing to update
      const returned = t.phase === 'Skipped' && o.connectivity === 'Ready';
      if (t.phase !== 'Pending' && !returned) continue;
      const ref = { applicationId: t.applicationId, clusterId: t.clusterId };
      if (o?.connectivity !== 'Ready') {
        const policy = s.strategy.unavailableClusters;
        if (policy === 'Skip' && t.phase === 'Pending') skipped.push(ref);
        else if (policy === 'Fail' && t.phase === 'Pending') {
          unreachable.push({
            ...ref,
            reason: 'ClusterUnavailable',
            message: `cluster ${t.clusterName} is ${o?.connectivity ?? 'gone'}`,
          });
          room--;
        } else heldByCluster++;
        continue;
      }
      if (!o.window.allowed && !step.windowOverridden) {
        heldByWindow ??= o.window;
        if (o.window.recheckAt) wake(o.window.recheckAt.getTime());
        continue;
      }
      const rendering =
        o.staged?.bundleId === t.bundleId
          ? o.staged
          : o.live?.bundleId === t.bundleId
            ? o.live
            : null;
      if (!rendering) continue; // the orchestrator supersedes a rollout whose revision moved
      updates.push({ ...ref, rendering, previous: o.live && o.live !== rendering ? o.live : null });
      room--;
    }
    if (skipped.length > 0)
      emit({ type: 'RolloutTargetsSkipped', data: { step: i, targets: skipped } });
    if (unreachable.length > 0)
      emit({ type: 'RolloutTargetsFailed', data: { step: i, targets: unreachable } });
    if (updates.length > 0) {
      if (!step.started) emit({ type: 'RolloutStepStarted', data: { step: i } });
      emit({
        type: 'RolloutTargetsUpdated',
        data: { step: i, at: now.toISOString(), targets: updates },
      });
    }
    if (overBudget(s)) {
      emitPause(s, emit);
      return { events, wakeAt: null };
    }
    // A completed step only catches up the targets it skipped, as their clusters return.
    if (step.completed) continue;
    const current = stepTargets(i);
    const nothingMoving = !current.some((t) => t.phase === 'Updating' && observe(t));
    if (updates.length === 0 && nothingMoving) {
      const gate: { gate: RolloutGate; message: string; until: Date | null } | null = heldByWindow
        ? { gate: 'SyncWindow', message: heldByWindow.reason, until: heldByWindow.recheckAt }
        : heldByCluster > 0
          ? {
              gate: 'ClustersUnavailable',
              message: `${heldByCluster} target(s) of step ${spec.name} wait for their clusters to be Ready`,
              until: null,
            }
          : null;
      if (
        gate &&
        (s.steps[i]!.waiting?.gate !== gate.gate || s.steps[i]!.waiting?.message !== gate.message)
      )
        emit({
          type: 'RolloutGateWaiting',
          data: {
            step: i,
            gate: gate.gate,
            message: gate.message,
            until: gate.until ? gate.until.toISOString() : null,
          },
        });
    }
    // Done: nothing left to update, and every Healthy target healthy for the bake time.
    const done = current.every(
      (t) => t.phase === 'Healthy' || t.phase === 'Failed' || t.phase === 'Skipped' || !observe(t),
    );
    if (done) {
      const bakedAt = Math.max(
        0,
        ...current.filter((t) => t.phase === 'Healthy').map((t) => t.healthyAt!.getTime()),
      );
      const bakeEnd = bakedAt + spec.minSuccessTimeMs;
      if (bakedAt === 0 || now.getTime() >= bakeEnd) {
        if (!s.steps[i]!.started && current.length > 0)
          emit({ type: 'RolloutStepStarted', data: { step: i } });
        emit({ type: 'RolloutStepCompleted', data: { step: i } });
        continue;
      }
      wake(bakeEnd);
    }
    if (!s.steps[i]!.completed && !s.steps[i]!.started) break;
  }

  const all = [...s.targets.values()];
  const moving = all.some((t) => t.phase === 'Updating' && obs.targets.has(t.applicationId));
  if (s.steps.every((st) => st.completed) && !moving) {
    emit({
      type: 'RolloutCompleted',
      data: {
        updated: all.filter((t) => t.phase === 'Healthy').length,
        failed: all.filter((t) => t.phase === 'Failed').length,
        skipped: all.filter((t) => t.phase === 'Skipped').length,
      },
    });
  }
  return { events, wakeAt: wakeAt === null ? null : new Date(wakeAt) };
}

function overBudget(s: LiveRolloutState): boolean {
  if (s.status !== 'Progressing') return false;
  const allowed = resolveAmount(s.strategy.maxFailures, s.targets.size);
  return failedCount(s) - s.acceptedFailures > allowed;
}

function emitPause(s: LiveRolloutState, emit: (e: RolloutEvent) => void): void {
  const failed = failedCount(s);
  const allowed = resolveAmount(s.strategy.maxFailures, s.targets.size);
  emit({
    type: 'RolloutPaused',
    data: {
      by: 'health',
      reason: `${failed} target(s) failed, more than the ${allowed} the failure budget allows${s.acceptedFailures ? ` beyond the ${s.acceptedFailures} accepted on resume` : ''}`,
    },
  });
}
