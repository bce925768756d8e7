import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { PageInfo } from '../graphql/connection.model';

/** One event of the log, as auditors read it. */
@ObjectType({ description: 'One event of the append-only log, with who caused it.' })
export class AuditEvent {
  @Field(() => String, { description: 'Global position in the log (also the cursor).' })
  position!: string;

  @Field(() => ID)
  eventId!: string;

  @Field(() => String)
  streamId!: string;

  @Field(() => Int)
  streamVersion!: number;

  @Field(() => String)
  type!: string;

  @Field(() => Int)
  schemaVersion!: number;

  @Field(() => GraphQLJSON, {
    description: 'The event data, upcast to its current schema version.',
  })
  data!: unknown;

  @Field(() => String)
  actor!: string;

  @Field(() => [String])
  actorGroups!: string[];

  @Field(() => String, { nullable: true })
  tenantId!: string | null;

  @Field(() => String)
  correlationId!: string;

  @Field(() => String, { nullable: true })
  causationId!: string | null;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field(() => String, { nullable: true })
  clientAddress!: string | null;

  @Field(() => GraphQLISODateTime)
  recordedAt!: Date;
}

@ObjectType()
export class AuditEventEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => AuditEvent)
  node!: AuditEvent;
}

@ObjectType()
export class AuditEventConnection {
  @Field(() => [AuditEventEdge])
  edges!: AuditEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
