import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

/** Argo CD's sync status of an Application on its cluster. */
export enum SyncStatus {
  Synced = 'Synced',
  OutOfSync = 'OutOfSync',
  Unknown = 'Unknown',
}
registerEnumType(SyncStatus, {
  name: 'SyncStatus',
  description: "Argo CD's sync status: whether the cluster runs what was rendered.",
});

/** Argo CD's health status, from best to worst as Argo CD orders them. */
export enum HealthStatus {
  Healthy = 'Healthy',
  Suspended = 'Suspended',
  Progressing = 'Progressing',
  Missing = 'Missing',
  Degraded = 'Degraded',
  Unknown = 'Unknown',
}
registerEnumType(HealthStatus, {
  name: 'HealthStatus',
  description: "Argo CD's health status, by its rules for each kind.",
});

@ObjectType({ description: 'Why the worker could not render the source.' })
export class RenderFailure {
  @Field(() => String, {
    description:
      'ToolMissing, BundleTooLarge, TooManyObjects, AliasLimitExceeded, InvalidManifest, InvalidSource, Unsupported, PolicyViolation, GitUnavailable, RevisionNotFound, ...',
  })
  code!: string;
  @Field(() => String) message!: string;
}

@ObjectType({ description: 'One resource that is not Synced and Healthy, and what is wrong.' })
export class ResourceProblem {
  @Field(() => String, { description: "'' for the core group." }) group!: string;
  @Field(() => String) version!: string;
  @Field(() => String) kind!: string;
  @Field(() => String, { description: "'' when cluster-scoped." }) namespace!: string;
  @Field(() => String) name!: string;
  @Field(() => SyncStatus) sync!: SyncStatus;
  @Field(() => HealthStatus, { nullable: true, description: 'Null: no health rule applies.' })
  health!: HealthStatus | null;
  @Field(() => String) message!: string;
}

@ObjectType({ description: 'What the cluster last reported about the Application.' })
export class ApplicationClusterStatus {
  @Field(() => String, { nullable: true, description: 'The commit applied (null: none yet).' })
  commit!: string | null;
  @Field(() => String, { nullable: true }) bundleId!: string | null;
  @Field(() => SyncStatus) sync!: SyncStatus;
  @Field(() => HealthStatus) health!: HealthStatus;
  @Field(() => String, { description: "What went wrong applying, or ''." }) message!: string;
  @Field(() => Int) resourceCount!: number;
  @Field(() => [ResourceProblem], { description: 'At most 100, worst first.' })
  problems!: ResourceProblem[];
  @Field(() => GraphQLISODateTime, { description: 'When the cluster side observed it.' })
  observedAt!: Date;
}

@ObjectType({ description: 'A resource whose managed fields differ from what was applied.' })
export class DriftedResource {
  @Field(() => String) group!: string;
  @Field(() => String) version!: string;
  @Field(() => String) kind!: string;
  @Field(() => String) namespace!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'Readable diff: `- applied`, `+ live`.' }) diff!: string;
}

@ObjectType({ description: 'The last drift found on the cluster (drift is never silent).' })
export class DriftReport {
  @Field(() => [DriftedResource]) resources!: DriftedResource[];
  @Field(() => Boolean, { description: 'Self-heal put the resources back.' })
  corrected!: boolean;
  @Field(() => GraphQLISODateTime) detectedAt!: Date;
}

@ObjectType({
  description: 'A rendering held back by a rollout strategy until a rollout releases it.',
})
export class HeldRendering {
  @Field(() => String) commit!: string;
  @Field(() => String, { description: 'SHA-256 of the rendered manifests.' }) bundleId!: string;
  @Field(() => GraphQLISODateTime, { description: 'Held since.' }) since!: Date;
}

@ObjectType({ description: 'Delivery of an Application: what its cluster should run and runs.' })
export class ApplicationDelivery {
  @Field(() => String, {
    nullable: true,
    description: 'The commit the source resolved to and was rendered at (null: not yet).',
  })
  commit!: string | null;
  @Field(() => String, { nullable: true, description: 'SHA-256 of the rendered manifests.' })
  bundleId!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) renderedAt!: Date | null;
  @Field(() => HeldRendering, {
    nullable: true,
    description:
      'A newer rendering held for a rollout: the cluster gets it when the rollout reaches it ' +
      '(null: nothing is held).',
  })
  held!: HeldRendering | null;
  @Field(() => RenderFailure, {
    nullable: true,
    description: 'Set while the current spec cannot be rendered; the last good bundle still runs.',
  })
  renderFailure!: RenderFailure | null;
  @Field(() => ApplicationClusterStatus, {
    nullable: true,
    description: 'Null until the cluster reports.',
  })
  status!: ApplicationClusterStatus | null;
  @Field(() => DriftReport, { nullable: true }) lastDrift!: DriftReport | null;
}
