import { Field, InputType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

// Inputs mirror the Tenant model; every list may be left out (empty). The domain validates
// globs, selectors, cron and policies and names the field at fault.

@InputType()
export class LabelSelectorRequirementInput {
  @Field(() => String) key!: string;
  @Field(() => String) operator!: string;
  @Field(() => [String], { nullable: true }) values?: string[];
}

@InputType()
export class LabelSelectorInput {
  @Field(() => GraphQLJSONObject, { nullable: true }) matchLabels?: Record<string, unknown>;
  @Field(() => [LabelSelectorRequirementInput], { nullable: true })
  matchExpressions?: LabelSelectorRequirementInput[];
}

@InputType()
export class TenantDestinationInput {
  @Field(() => LabelSelectorInput) clusterSelector!: LabelSelectorInput;
  @Field(() => [String]) namespaces!: string[];
}

@InputType()
export class GroupKindInput {
  @Field(() => String) group!: string;
  @Field(() => String) kind!: string;
}

@InputType()
export class TenantRoleInput {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string;
  @Field(() => [String], { nullable: true }) groups?: string[];
  @Field(() => [String], { nullable: true }) policies?: string[];
}

@InputType()
export class SyncWindowInput {
  @Field(() => String) kind!: string;
  @Field(() => String) schedule!: string;
  @Field(() => String) duration!: string;
  @Field(() => String, { nullable: true }) timeZone?: string;
  @Field(() => [String], { nullable: true }) applications?: string[];
  @Field(() => [String], { nullable: true }) clusters?: string[];
  @Field(() => [String], { nullable: true }) namespaces?: string[];
  @Field(() => Boolean, { nullable: true }) manualSync?: boolean;
}

@InputType()
export class TenantSpecInput {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string;
  @Field(() => [String], { nullable: true }) sourceRepos?: string[];
  @Field(() => [String], { nullable: true }) sourceReposDeny?: string[];
  @Field(() => [TenantDestinationInput], { nullable: true })
  destinations?: TenantDestinationInput[];
  @Field(() => [GroupKindInput], { nullable: true }) clusterResourceWhitelist?: GroupKindInput[];
  @Field(() => [GroupKindInput], { nullable: true }) namespaceResourceBlacklist?: GroupKindInput[];
  @Field(() => [TenantRoleInput], { nullable: true }) roles?: TenantRoleInput[];
  @Field(() => [SyncWindowInput], { nullable: true }) syncWindows?: SyncWindowInput[];
}
