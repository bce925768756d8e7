import { Field, GraphQLISODateTime, InputType, registerEnumType } from '@nestjs/graphql';

export enum LogOrder {
  OLDEST_FIRST = 'OLDEST_FIRST',
  NEWEST_FIRST = 'NEWEST_FIRST',
}
registerEnumType(LogOrder, { name: 'LogOrder' });

/** Filters of the audit log; all given ones must hold. */
@InputType()
export class AuditLogFilter {
  @Field(() => String, { nullable: true, description: 'One stream, e.g. "tenant-team-a".' })
  streamId?: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Event types, e.g. ["ClusterRegistered"].',
  })
  types?: string[];

  @Field(() => String, { nullable: true, description: 'The subject (sub) that caused the events.' })
  actor?: string;

  @Field(() => String, { nullable: true })
  tenantId?: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Recorded at or after.' })
  from?: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Recorded before.' })
  to?: Date;
}
