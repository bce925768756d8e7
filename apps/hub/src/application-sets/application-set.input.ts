import { HealthStatus, SyncStatus } from './application-delivery.model';
import { Field, ID, InputType } from '@nestjs/graphql';

@InputType()
export class ApplicationSetFilter {
  @Field(() => String, { nullable: true }) tenant?: string | null;
  @Field(() => String, { nullable: true, description: 'Part of the ApplicationSet name.' })
  search?: string | null;
}

@InputType()
export class ApplicationFilter {
  @Field(() => String, { nullable: true }) tenant?: string | null;
  @Field(() => ID, { nullable: true }) applicationSetId?: string | null;
  @Field(() => ID, { nullable: true }) clusterId?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      "A label selector on the Application's cluster (Kubernetes syntax: `env=prod,region in (eu)`).",
  })
  selector?: string | null;
  @Field(() => String, { nullable: true, description: 'Part of the Application name.' })
  search?: string | null;
  @Field(() => SyncStatus, {
    nullable: true,
    description: 'Sync status its cluster reports (not reported yet counts as Unknown).',
  })
  sync?: SyncStatus | null;
  @Field(() => HealthStatus, {
    nullable: true,
    description: 'Health its cluster reports (not reported yet counts as Unknown).',
  })
  health?: HealthStatus | null;
}
