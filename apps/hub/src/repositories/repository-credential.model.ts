import {
  Field,
  GraphQLISODateTime,
  InputType,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';

export enum RepositoryCredentialType {
  https = 'https',
  ssh = 'ssh',
}
registerEnumType(RepositoryCredentialType, {
  name: 'RepositoryCredentialType',
  description: 'https: a user name and a password or access token. ssh: a PEM private key.',
});

@InputType({ description: 'Credentials a tenant uses for one private repository.' })
export class SetRepositoryCredentialsInput {
  @Field(() => String) tenant!: string;
  @Field(() => String, {
    description: 'The repository URL (https or ssh), as ApplicationSets name it.',
  })
  url!: string;
  @Field(() => RepositoryCredentialType) type!: RepositoryCredentialType;
  @Field(() => String, { nullable: true, description: 'https only.' }) username?: string | null;
  @Field(() => String, { nullable: true, description: 'https only: a password or access token.' })
  password?: string | null;
  @Field(() => String, { nullable: true, description: 'ssh only: a PEM private key.' })
  sshPrivateKey?: string | null;
}

@ObjectType({
  description:
    'Stored credentials of a repository (sealed with AES-256-GCM outside the log; never returned).',
})
export class RepositoryCredential {
  @Field(() => String) tenant!: string;
  @Field(() => String) url!: string;
  @Field(() => String, { description: 'The id of the key that sealed them (see SECRETS_KEYS).' })
  keyId!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}
