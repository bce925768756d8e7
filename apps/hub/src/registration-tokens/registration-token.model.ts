import {
  Field,
  GraphQLISODateTime,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageInfo } from '../graphql/connection.model';

export enum RegistrationTokenStatus {
  Active = 'Active',
  Expired = 'Expired',
  UsedUp = 'UsedUp',
  Revoked = 'Revoked',
}
registerEnumType(RegistrationTokenStatus, { name: 'RegistrationTokenStatus' });

@ObjectType({
  description: 'A one-time (or few-times) token that lets agents join a tenant. Never its value.',
})
export class RegistrationToken {
  @Field(() => String) id!: string;
  @Field(() => String) tenant!: string;
  @Field(() => RegistrationTokenStatus) status!: RegistrationTokenStatus;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
  @Field(() => Int) maxUses!: number;
  @Field(() => Int) uses!: number;
  @Field(() => GraphQLJSONObject, {
    description: 'Labels every cluster registering with it gets (they win over the agent).',
  })
  labels!: Record<string, string>;
  @Field(() => Boolean, { description: 'May re-register (replace) a cluster of the same name.' })
  mayReplace!: boolean;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => String) createdBy!: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt!: Date | null;
  @Field(() => String, { nullable: true }) revokedBy!: string | null;
}

@ObjectType({ description: 'A new token: the value is shown here once and never again.' })
export class IssuedRegistrationToken {
  @Field(() => String, { description: 'The token value (flt_reg_...). Store it now.' })
  value!: string;
  @Field(() => RegistrationToken) token!: RegistrationToken;
}

@ObjectType()
export class RegistrationTokenEdge {
  @Field(() => String) cursor!: string;
  @Field(() => RegistrationToken) node!: RegistrationToken;
}

@ObjectType()
export class RegistrationTokenConnection {
  @Field(() => [RegistrationTokenEdge]) edges!: RegistrationTokenEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@InputType()
export class CreateRegistrationTokenInput {
  @Field(() => String) tenant!: string;
  @Field(() => Int, {
    nullable: true,
    description: 'Lifetime in seconds: default 3600, 60 to 2592000.',
  })
  ttlSeconds?: number | null;
  @Field(() => Int, { nullable: true, description: 'Registrations it admits: default 1.' })
  maxUses?: number | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) labels?: Record<string, unknown> | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Allow re-installing an agent: replace a live cluster of the same name.',
  })
  mayReplace?: boolean | null;
}
