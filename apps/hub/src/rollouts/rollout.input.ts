import { Field, ID, InputType } from '@nestjs/graphql';
import { RolloutStatus } from './rollout.model';

/** Filters of `rollouts`; all given ones must hold. */
@InputType()
export class RolloutFilter {
  @Field(() => String, { nullable: true }) tenant?: string | null;
  @Field(() => ID, { nullable: true }) applicationSetId?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The ApplicationSet name (exact; in every tenant you may see, unless tenant).',
  })
  applicationSetName?: string | null;
  @Field(() => RolloutStatus, { nullable: true }) status?: RolloutStatus | null;
}
