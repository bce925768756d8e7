import { Field, ObjectType } from '@nestjs/graphql';

/** Relay page information shared by every connection. */
@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}
