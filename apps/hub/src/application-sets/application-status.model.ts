import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { HealthStatus, SyncStatus } from './application-delivery.model';

@ObjectType({ description: "An Application's cluster reported a new status." })
export class ApplicationStatusChange {
  @Field(() => ID) applicationId!: string;
  @Field(() => String) name!: string;
  @Field(() => String) tenant!: string;
  @Field(() => ID) applicationSetId!: string;
  @Field(() => ID) clusterId!: string;
  @Field(() => String, { nullable: true }) clusterName!: string | null;
  @Field(() => GraphQLJSONObject) clusterLabels!: Record<string, string>;
  @Field(() => String, { nullable: true, description: 'The commit applied.' })
  commit!: string | null;
  @Field(() => SyncStatus) sync!: SyncStatus;
  @Field(() => HealthStatus) health!: HealthStatus;
  @Field(() => String) message!: string;
  @Field(() => GraphQLISODateTime) observedAt!: Date;
  @Field(() => String, { description: 'Global position of the event in the log.' })
  position!: string;
}
