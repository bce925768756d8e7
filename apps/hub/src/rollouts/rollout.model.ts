import {
  Field,
  Float,
  GraphQLISODateTime,
  ID,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { PageInfo } from '../graphql/connection.model';
import { LabelSelector } from '../tenants/tenant.model';

/** Where a rollout stands (the domain's ROLLOUT_PHASES). */
export enum RolloutStatus {
  Progressing = 'Progressing',
  Paused = 'Paused',
  Completed = 'Completed',
  Aborted = 'Aborted',
  Superseded = 'Superseded',
}
registerEnumType(RolloutStatus, {
  name: 'RolloutStatus',
  description:
    'Progressing: updating clusters or waiting at a gate. Paused: by a user or by the failure budget. Completed: every step done. Aborted: stopped for good (maybe rolled back). Superseded: a newer rollout of the same ApplicationSet took over.',
});

/** Where one step stands, from its flags in the read model. */
export enum RolloutStepState {
  Pending = 'Pending',
  Waiting = 'Waiting',
  Progressing = 'Progressing',
  Completed = 'Completed',
}
registerEnumType(RolloutStepState, {
  name: 'RolloutStepState',
  description:
    'Pending: not started. Waiting: held at a gate (see waiting). Progressing: updating its targets or baking. Completed: every target done.',
});

/** The gates a step can wait at (the domain's ROLLOUT_GATES). */
export enum RolloutGate {
  Approval = 'Approval',
  SyncWindow = 'SyncWindow',
  ClustersUnavailable = 'ClustersUnavailable',
}
registerEnumType(RolloutGate, {
  name: 'RolloutGate',
  description:
    'Approval: a deployer must promote the rollout. SyncWindow: a sync window denies syncs now (a deployer may override one that allows manual syncs). ClustersUnavailable: clusters of the step are not Ready.',
});

/** Where one target stands (the domain's TARGET_PHASES, and Excluded). */
export enum RolloutTargetPhase {
  Pending = 'Pending',
  Updating = 'Updating',
  Healthy = 'Healthy',
  Failed = 'Failed',
  Skipped = 'Skipped',
  Excluded = 'Excluded',
}
registerEnumType(RolloutTargetPhase, {
  name: 'RolloutTargetPhase',
  description:
    'Pending: not updated yet. Updating: given the new rendering, not yet Healthy. Healthy: Synced and Healthy on it. Failed: Degraded, past the progress deadline or its cluster unavailable. Skipped: its cluster was unavailable (updated when it returns). Excluded: no step selects it; the rollout leaves it alone.',
});

export enum RolloutStrategyType {
  RollingSync = 'RollingSync',
  Progressive = 'Progressive',
}
registerEnumType(RolloutStrategyType, {
  name: 'RolloutStrategyType',
  description: "RollingSync: Argo CD's progressive syncs as written. Progressive: Flotilla's form.",
});

export enum UnavailableClusterPolicy {
  Wait = 'Wait',
  Skip = 'Skip',
  Fail = 'Fail',
}
registerEnumType(UnavailableClusterPolicy, {
  name: 'UnavailableClusterPolicy',
  description:
    'What a step does with a target whose cluster is Offline or Stale: wait for it, skip it (and update it when it returns), or count it as failed.',
});

export enum RolloutStepSelectionKind {
  ClusterLabels = 'ClusterLabels',
  ApplicationLabels = 'ApplicationLabels',
  Percent = 'Percent',
  Rest = 'Rest',
}
registerEnumType(RolloutStepSelectionKind, { name: 'RolloutStepSelectionKind' });

export enum RolloutPauseCause {
  User = 'User',
  Health = 'Health',
}
registerEnumType(RolloutPauseCause, {
  name: 'RolloutPauseCause',
  description: 'User: a deployer paused it. Health: more targets failed than the budget allows.',
});

@ObjectType({ description: "The rollout's strategy as it read when the rollout started." })
export class RolloutStrategySummary {
  @Field(() => RolloutStrategyType) type!: RolloutStrategyType;
  @Field(() => Int) stepCount!: number;
  @Field(() => String, {
    description: 'Failed targets tolerated before the rollout pauses: a count or "25%".',
  })
  maxFailures!: string;
  @Field(() => UnavailableClusterPolicy) unavailableClusters!: UnavailableClusterPolicy;
  @Field(() => Int, {
    description: 'Started steps that may still be unfinished when the next one starts.',
  })
  maxUnavailableSteps!: number;
}

@ObjectType({ description: 'Which targets a step takes, among those no earlier step took.' })
export class RolloutStepSelection {
  @Field(() => RolloutStepSelectionKind) kind!: RolloutStepSelectionKind;
  @Field(() => LabelSelector, {
    nullable: true,
    description: 'ClusterLabels and ApplicationLabels: the selector.',
  })
  selector!: LabelSelector | null;
  @Field(() => Int, { nullable: true, description: 'Percent: the share of the targets left.' })
  percent!: number | null;
}

@ObjectType({ description: 'A gate a step waits at.' })
export class RolloutGateWait {
  @Field(() => RolloutGate) gate!: RolloutGate;
  @Field(() => String) message!: string;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When it opens by itself (a sync window), if it will.',
  })
  until!: Date | null;
}

@ObjectType({ description: 'One step of a rollout: its spec, where it stands, who approved it.' })
export class RolloutStep {
  @Field(() => Int, { description: 'Its index (what promoteRollout and targets take).' })
  index!: number;
  @Field(() => String) name!: string;
  @Field(() => RolloutStepState) state!: RolloutStepState;
  @Field(() => Int) targetCount!: number;
  @Field(() => RolloutStepSelection) selection!: RolloutStepSelection;
  @Field(() => String, {
    description: 'How many of its targets may be updating or failed at once: a count or "25%".',
  })
  maxUnavailable!: string;
  @Field(() => Float, {
    description: 'How long every target must stay Healthy before the step is done.',
  })
  minSuccessTimeSeconds!: number;
  @Field(() => Float, {
    nullable: true,
    description: 'A target not Healthy this long after its update fails; null: no deadline.',
  })
  progressDeadlineSeconds!: number | null;
  @Field(() => Boolean, { description: 'The step starts only once a deployer promotes it.' })
  approvalRequired!: boolean;
  @Field(() => RolloutGateWait, { nullable: true }) waiting!: RolloutGateWait | null;
  @Field(() => Boolean) approved!: boolean;
  @Field(() => String, { nullable: true, description: 'Who promoted the step (the actor).' })
  approvedBy!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) approvedAt!: Date | null;
  @Field(() => String, { nullable: true }) approvalComment!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Who overrode a sync window for the step, if anyone did.',
  })
  windowOverriddenBy!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) startedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) completedAt!: Date | null;
}

@ObjectType({ description: 'How many targets stand where.' })
export class RolloutCounts {
  @Field(() => Int, { description: 'Targets of its steps (not the excluded ones).' })
  targets!: number;
  @Field(() => Int, { description: 'Given the new rendering so far.' }) updated!: number;
  @Field(() => Int) healthy!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) skipped!: number;
  @Field(() => Int, { description: 'Applications no step selects.' }) excluded!: number;
  @Field(() => Int) rolledBack!: number;
}

@ObjectType({ description: 'Why the rollout is paused.' })
export class RolloutPause {
  @Field(() => RolloutPauseCause) by!: RolloutPauseCause;
  @Field(() => String) reason!: string;
}

@ObjectType({ description: 'How the rollout was aborted.' })
export class RolloutAbort {
  @Field(() => Boolean, { description: 'Its updated targets went back to what they ran.' })
  rollback!: boolean;
  @Field(() => String) reason!: string;
}

@ObjectType({ description: 'Why a target failed.' })
export class RolloutTargetFailure {
  @Field(() => String, {
    description: 'Degraded, ProgressDeadlineExceeded or ClusterUnavailable.',
  })
  reason!: string;
  @Field(() => String) message!: string;
}

@ObjectType({ description: 'One Application (on one cluster) a rollout moves.' })
export class RolloutTarget {
  @Field(() => ID) applicationId!: string;
  @Field(() => String) applicationName!: string;
  @Field(() => ID) clusterId!: string;
  @Field(() => String, { description: 'The cluster, named as it was when the rollout started.' })
  clusterName!: string;
  @Field(() => Int, { nullable: true, description: 'Its step; null when excluded.' })
  step!: number | null;
  @Field(() => RolloutTargetPhase) phase!: RolloutTargetPhase;
  @Field(() => String, { description: 'The bundle the rollout brings it.' }) bundleId!: string;
  @Field(() => String) commit!: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was updated.' })
  updatedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) healthyAt!: Date | null;
  @Field(() => RolloutTargetFailure, { nullable: true }) failure!: RolloutTargetFailure | null;
  @Field(() => Boolean) rolledBack!: boolean;
}

@ObjectType()
export class RolloutTargetEdge {
  @Field(() => String) cursor!: string;
  @Field(() => RolloutTarget) node!: RolloutTarget;
}

@ObjectType({ description: 'Targets by step (excluded last), then cluster name.' })
export class RolloutTargetConnection {
  @Field(() => [RolloutTargetEdge]) edges!: RolloutTargetEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Targets matching the filter.' }) totalCount!: number;
}

@ObjectType({
  description:
    "A change of one ApplicationSet moving through its strategy's steps onto its clusters.",
})
export class Rollout {
  @Field(() => ID) id!: string;
  @Field(() => String) tenant!: string;
  @Field(() => ID) applicationSetId!: string;
  @Field(() => String) applicationSetName!: string;
  @Field(() => RolloutStatus) status!: RolloutStatus;
  @Field(() => RolloutStrategySummary) strategy!: RolloutStrategySummary;
  @Field(() => String, { description: 'A digest of every (Application, bundle) it brings.' })
  revision!: string;
  @Field(() => [String], { description: 'The Git commits it brings.' }) commits!: string[];
  @Field(() => String, { description: 'Why it started.' }) reason!: string;
  @Field(() => String, { description: 'Who started it (system:rollouts when the hub did).' })
  startedBy!: string;
  @Field(() => GraphQLISODateTime) startedAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When it completed, was aborted or superseded.',
  })
  finishedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'The rollout this one took over from.' })
  supersedes!: string | null;
  @Field(() => ID, { nullable: true, description: 'The rollout that took over from this one.' })
  supersededBy!: string | null;
  @Field(() => RolloutPause, { nullable: true, description: 'Set while Paused.' })
  pause!: RolloutPause | null;
  @Field(() => RolloutAbort, { nullable: true, description: 'Set once Aborted.' })
  abort!: RolloutAbort | null;
  @Field(() => Int, {
    nullable: true,
    description: 'The first step not completed; null when all are.',
  })
  currentStep!: number | null;
  @Field(() => RolloutCounts) counts!: RolloutCounts;
  @Field(() => [RolloutStep]) steps!: RolloutStep[];
  @Field(() => Int, { description: 'Version of the rollout stream (events so far).' })
  version!: number;
  /**
   * Not in the schema: the request-batch scope its field resolvers (targets, history) load in.
   * A list's rollouts share one; each mutation answer and each subscription push gets its own, so
   * a later answer in the same operation never reuses an earlier one's targets.
   */
  batch!: object;
}

@ObjectType()
export class RolloutEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Rollout) node!: Rollout;
}

// No totalCount: rollouts pile up with every change, and counting them on each page would scan.
@ObjectType({ description: 'Rollouts, newest first.' })
export class RolloutConnection {
  @Field(() => [RolloutEdge]) edges!: RolloutEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
