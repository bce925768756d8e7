import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageInfo } from '../graphql/connection.model';

@ObjectType()
export class LabelSelectorRequirement {
  @Field(() => String) key!: string;
  @Field(() => String, { description: 'In, NotIn, Exists or DoesNotExist.' }) operator!: string;
  @Field(() => [String]) values!: string[];
}

@ObjectType({
  description: 'A Kubernetes label selector (matchLabels and matchExpressions, ANDed).',
})
export class LabelSelector {
  @Field(() => GraphQLJSONObject) matchLabels!: Record<string, string>;
  @Field(() => [LabelSelectorRequirement]) matchExpressions!: LabelSelectorRequirement[];
}

@ObjectType()
export class TenantDestination {
  @Field(() => LabelSelector) clusterSelector!: LabelSelector;
  @Field(() => [String], { description: 'Namespace globs; a "!" prefix denies.' })
  namespaces!: string[];
}

@ObjectType()
export class GroupKind {
  @Field(() => String) group!: string;
  @Field(() => String) kind!: string;
}

@ObjectType()
export class TenantRole {
  @Field(() => String, { description: 'admin, deployer and viewer carry built-in policies too.' })
  name!: string;
  @Field(() => String) description!: string;
  @Field(() => [String]) groups!: string[];
  @Field(() => [String], {
    description: 'p, proj:<tenant>:<role>, <resource>, <action>, <tenant>/<object>, allow|deny',
  })
  policies!: string[];
}

@ObjectType()
export class SyncWindow {
  @Field(() => String) kind!: string;
  @Field(() => String) schedule!: string;
  @Field(() => String) duration!: string;
  @Field(() => String) timeZone!: string;
  @Field(() => [String]) applications!: string[];
  @Field(() => [String]) clusters!: string[];
  @Field(() => [String]) namespaces!: string[];
  @Field(() => Boolean) manualSync!: boolean;
}

@ObjectType({ description: 'A team boundary, like an Argo CD AppProject.' })
export class Tenant {
  @Field(() => String) name!: string;
  @Field(() => String) description!: string;
  @Field(() => [String], { description: 'Source repository globs allowed.' })
  sourceRepos!: string[];
  @Field(() => [String]) sourceReposDeny!: string[];
  @Field(() => [TenantDestination]) destinations!: TenantDestination[];
  @Field(() => [GroupKind], { description: 'Cluster-scoped kinds allowed.' })
  clusterResourceWhitelist!: GroupKind[];
  @Field(() => [GroupKind], { description: 'Namespaced kinds denied.' })
  namespaceResourceBlacklist!: GroupKind[];
  @Field(() => [TenantRole]) roles!: TenantRole[];
  @Field(() => [SyncWindow]) syncWindows!: SyncWindow[];
  @Field(() => Int, { description: 'Events in the tenant stream so far.' }) version!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) createdAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) updatedAt!: Date | null;
}

@ObjectType()
export class TenantEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Tenant) node!: Tenant;
}

@ObjectType()
export class TenantConnection {
  @Field(() => [TenantEdge]) edges!: TenantEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}
