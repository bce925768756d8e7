import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import {
  GenerationFailure,
  GenerationValidationError,
  GenerationViolation,
  HeldDeletions,
} from './application-set.model';

@ObjectType({ description: 'A cluster a preview names.' })
export class PreviewCluster {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true, description: 'Null when the cluster is unknown.' })
  name!: string | null;
}

@ObjectType({ description: 'One Application a preview would create, change, keep or delete.' })
export class PreviewApplication {
  @Field(() => String) name!: string;
  @Field(() => PreviewCluster, {
    description: 'Where it would run (created, updated) or runs now (the others).',
  })
  cluster!: PreviewCluster;
  @Field(() => String) namespace!: string;
}

@ObjectType({ description: 'Changes spec.syncPolicy.applicationsSync leaves undone.' })
export class PreviewSkipped {
  @Field(() => [PreviewApplication], { description: 'Different, but not updated.' })
  updates!: PreviewApplication[];
  @Field(() => [PreviewApplication], { description: 'No longer generated, but not deleted.' })
  deletions!: PreviewApplication[];
}

@ObjectType({ description: 'What a preview would do on one cluster.' })
export class PreviewClusterChanges {
  @Field(() => PreviewCluster) cluster!: PreviewCluster;
  @Field(() => Int) created!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) deleted!: number;
  @Field(() => Int) unchanged!: number;
}

@ObjectType({
  description:
    'What submitting a manifest would do now, cluster by cluster; nothing is written. A failed ' +
    'generation changes nothing: then `failure` is set and the lists are empty.',
})
export class ApplicationSetPreview {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => ID, {
    nullable: true,
    description: 'The live ApplicationSet of this name the preview planned against (null: new).',
  })
  applicationSetId!: string | null;
  @Field(() => GenerationFailure, { nullable: true }) failure!: GenerationFailure | null;
  @Field(() => [PreviewApplication]) created!: PreviewApplication[];
  @Field(() => [PreviewApplication]) updated!: PreviewApplication[];
  @Field(() => [PreviewApplication]) deleted!: PreviewApplication[];
  @Field(() => [PreviewApplication]) unchanged!: PreviewApplication[];
  @Field(() => PreviewSkipped) skipped!: PreviewSkipped;
  @Field(() => HeldDeletions, {
    nullable: true,
    description: 'Deletions the brake would hold for confirmation (not in `deleted`).',
  })
  held!: HeldDeletions | null;
  @Field(() => [GenerationViolation]) violations!: GenerationViolation[];
  @Field(() => [GenerationValidationError]) validationErrors!: GenerationValidationError[];
  @Field(() => [PreviewClusterChanges], { description: 'Counts per cluster, by cluster name.' })
  clusters!: PreviewClusterChanges[];
}
