import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageInfo } from '../graphql/connection.model';

@ObjectType({ description: 'What the last generation run wrote.' })
export class GenerationCounts {
  @Field(() => Int, { description: 'Stream version of the manifest the run used.' })
  manifestVersion!: number;
  @Field(() => Int) created!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) deleted!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int, {
    description: 'Different or gone, but left as they are by spec.syncPolicy.applicationsSync.',
  })
  skipped!: number;
  @Field(() => Int, { description: 'Deletions the brake held back.' }) heldDeletions!: number;
  @Field(() => GraphQLISODateTime) at!: Date;
}

@ObjectType({ description: 'Why the last generation failed (nothing was changed).' })
export class GenerationFailure {
  @Field(() => String, {
    description:
      'GitError, ClusterLookupError, TemplateError, ManifestError, PolicyLookupError or InternalError.',
  })
  reason!: string;
  @Field(() => String) message!: string;
  @Field(() => Int, { nullable: true }) manifestVersion!: number | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) at!: Date | null;
}

@ObjectType({
  description:
    'Deletions over the brake, waiting for confirmApplicationSetDeletions with exactly this set.',
})
export class HeldDeletions {
  @Field(() => [String], { description: 'Application names, sorted.' }) deletions!: string[];
  @Field(() => Int, { description: 'Applications the ApplicationSet had.' }) currentCount!: number;
  @Field(() => Int, { description: 'The most deletions applied without confirmation.' })
  threshold!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) at!: Date | null;
}

@ObjectType({ description: 'A confirmed deletion set, until a generation applies it.' })
export class ConfirmedDeletions {
  @Field(() => [String]) deletions!: string[];
  @Field(() => String, { description: 'Who confirmed.' }) by!: string;
  @Field(() => GraphQLISODateTime) at!: Date;
}

@ObjectType({ description: 'A generated Application its tenant may not deploy (left out).' })
export class GenerationViolation {
  @Field(() => String) application!: string;
  @Field(() => String, { description: 'The destination cluster, by name.' }) cluster!: string;
  @Field(() => String, {
    description: 'source, destination, clusterResource or namespacedResource.',
  })
  rule!: string;
  @Field(() => String) reason!: string;
}

@ObjectType({ description: 'A generated Application Argo CD would refuse (left out).' })
export class GenerationValidationError {
  @Field(() => String) application!: string;
  @Field(() => String) message!: string;
}

@ObjectType({ description: 'Where generation stands.' })
export class ApplicationSetStatus {
  @Field(() => GenerationCounts, { nullable: true, description: 'Null before the first run.' })
  lastGeneration!: GenerationCounts | null;
  @Field(() => GenerationFailure, { nullable: true, description: 'Null once a run succeeds.' })
  failure!: GenerationFailure | null;
  @Field(() => HeldDeletions, { nullable: true }) heldDeletions!: HeldDeletions | null;
  @Field(() => ConfirmedDeletions, { nullable: true })
  confirmedDeletions!: ConfirmedDeletions | null;
  @Field(() => [GenerationViolation]) violations!: GenerationViolation[];
  @Field(() => [GenerationValidationError]) validationErrors!: GenerationValidationError[];
}

@ObjectType({ description: 'An ApplicationSet (the Argo CD format) of a tenant.' })
export class ApplicationSet {
  @Field(() => ID) id!: string;
  @Field(() => String) tenant!: string;
  @Field(() => String, { description: 'metadata.name of the manifest.' }) name!: string;
  @Field(() => GraphQLJSONObject, { description: 'The manifest as submitted, in JSON.' })
  manifest!: Record<string, unknown>;
  @Field(() => Int, { description: 'Stream version of the event that set the manifest.' })
  manifestVersion!: number;
  @Field(() => ApplicationSetStatus) status!: ApplicationSetStatus;
  @Field(() => Int, { description: 'Applications it has now.' }) applicationCount!: number;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Set only in the answer of deleteApplicationSet (deleted ones are not listed).',
  })
  deletedAt!: Date | null;
  @Field(() => Int, { description: 'Version of the ApplicationSet stream (events so far).' })
  version!: number;
}

@ObjectType()
export class ApplicationSetEdge {
  @Field(() => String) cursor!: string;
  @Field(() => ApplicationSet) node!: ApplicationSet;
}

@ObjectType()
export class ApplicationSetConnection {
  @Field(() => [ApplicationSetEdge]) edges!: ApplicationSetEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'ApplicationSets matching the filter that you may see.' })
  totalCount!: number;
}
