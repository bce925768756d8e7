import { HealthStatus, SyncStatus } from '../application-sets/application-delivery.model';
import {
  Field,
  Float,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageInfo } from '../graphql/connection.model';

export enum ClusterConnectivity {
  Ready = 'Ready',
  Stale = 'Stale',
  Offline = 'Offline',
}
registerEnumType(ClusterConnectivity, {
  name: 'ClusterConnectivity',
  description: 'Ready: heartbeats on time. Stale: one interval missed. Offline: several missed.',
});

export enum ClusterMode {
  agent = 'agent',
  kubeconfig = 'kubeconfig',
}
registerEnumType(ClusterMode, {
  name: 'ClusterMode',
  description: 'agent: its own agent pulls. kubeconfig: the worker pushes with a kubeconfig.',
});

@ObjectType({ description: 'What the agent (or the kubeconfig probe) reads from the cluster.' })
export class ClusterFacts {
  @Field(() => String) kubernetesVersion!: string;
  @Field(() => Int) nodeCount!: number;
  @Field(() => Int) allocatableCpuMillicores!: number;
  @Field(() => Float, { description: 'Bytes (a Float: clusters exceed 2^31 bytes).' })
  allocatableMemoryBytes!: number;
  @Field(() => String) agentVersion!: string;
}

@ObjectType({ description: 'What the latest heartbeat said (not kept in the log).' })
export class AgentStatus {
  @Field(() => String, { description: 'Running or Degraded (the agent itself).' }) state!: string;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => String, { nullable: true }) appliedRevision!: string | null;
}

@ObjectType({
  description: 'Why the last probe of a kubeconfig cluster failed (kept until a probe succeeds).',
})
export class ProbeFailure {
  @Field(() => String, { description: 'A reason code, e.g. Unreachable or Unauthorized.' })
  reason!: string;
  @Field(() => String) message!: string;
  @Field(() => GraphQLISODateTime) at!: Date;
}

@ObjectType({ description: 'A cluster of the fleet.' })
export class Cluster {
  @Field(() => ID) id!: string;
  @Field(() => String) tenant!: string;
  @Field(() => String) name!: string;
  @Field(() => ClusterMode) mode!: ClusterMode;
  @Field(() => GraphQLJSONObject) labels!: Record<string, string>;
  @Field(() => ClusterFacts) facts!: ClusterFacts;
  @Field(() => ClusterConnectivity) connectivity!: ClusterConnectivity;
  @Field(() => GraphQLISODateTime) connectivityChangedAt!: Date;
  @Field(() => GraphQLISODateTime) registeredAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) deregisteredAt!: Date | null;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description:
      'When the agent credential expires (the agent rotates before). Null for kubeconfig clusters.',
  })
  credentialExpiresAt!: Date | null;
  @Field(() => Int, { description: 'Version of the cluster stream (events so far).' })
  version!: number;
}

@ObjectType()
export class ClusterEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Cluster) node!: Cluster;
}

@ObjectType()
export class ClusterConnection {
  @Field(() => [ClusterEdge]) edges!: ClusterEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Clusters matching the filter in the tenants you may see.' })
  totalCount!: number;
}

@InputType()
export class ClusterFilter {
  @Field(() => String, { nullable: true }) tenant?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Kubernetes label selector syntax: `env=prod,region in (eu,us),!canary`.',
  })
  selector?: string | null;
  @Field(() => [ClusterConnectivity], { nullable: true }) connectivity?:
    ClusterConnectivity[] | null;
  @Field(() => ClusterMode, { nullable: true }) mode?: ClusterMode | null;
  @Field(() => String, { nullable: true, description: 'Part of the cluster name.' })
  search?: string | null;
}

@ObjectType()
export class ConnectivityCount {
  @Field(() => ClusterConnectivity) connectivity!: ClusterConnectivity;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class VersionCount {
  @Field(() => String, { description: 'e.g. v1.29.3 (or v1.29 in byKubernetesMinor).' })
  version!: string;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class SyncCount {
  @Field(() => SyncStatus) status!: SyncStatus;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class HealthCount {
  @Field(() => HealthStatus) status!: HealthStatus;
  @Field(() => Int) count!: number;
}

@ObjectType({
  description:
    'Live Applications by what their clusters report (not reported yet counts as Unknown).',
})
export class ApplicationCounts {
  @Field(() => Int) total!: number;
  @Field(() => [SyncCount], { description: 'Every sync status, zero counts included.' })
  bySync!: SyncCount[];
  @Field(() => [HealthCount], { description: 'Every health status, zero counts included.' })
  byHealth!: HealthCount[];
}

@ObjectType({ description: 'Cluster counts of one tenant, or of the whole visible fleet.' })
export class FleetCounts {
  @Field(() => Int) clusters!: number;
  @Field(() => [ConnectivityCount], { description: 'Every connectivity, zero counts included.' })
  byConnectivity!: ConnectivityCount[];
  @Field(() => [VersionCount]) byKubernetesVersion!: VersionCount[];
  @Field(() => [VersionCount]) byKubernetesMinor!: VersionCount[];
  @Field(() => ApplicationCounts, { description: 'The Applications on these clusters.' })
  applications!: ApplicationCounts;
}

@ObjectType()
export class TenantFleetCounts extends FleetCounts {
  @Field(() => String) tenant!: string;
}

@ObjectType({ description: 'Counts of the clusters that carry one value of the grouping label.' })
export class GroupFleetCounts extends FleetCounts {
  @Field(() => String, {
    nullable: true,
    description: 'The label value; null for the clusters that do not carry the label.',
  })
  value!: string | null;
}

@ObjectType({ description: "One ApplicationSet's Applications by reported sync and health." })
export class ApplicationSetFleetCounts {
  @Field(() => ID) applicationSetId!: string;
  @Field(() => String) tenant!: string;
  @Field(() => String) name!: string;
  @Field(() => ApplicationCounts) applications!: ApplicationCounts;
}

@ObjectType({ description: 'Counts over the live clusters you may see, overall and per tenant.' })
export class FleetSummary {
  @Field(() => FleetCounts) overall!: FleetCounts;
  @Field(() => [TenantFleetCounts]) tenants!: TenantFleetCounts[];
  @Field(() => [ApplicationSetFleetCounts], { description: 'By tenant and name.' })
  applicationSets!: ApplicationSetFleetCounts[];
  @Field(() => [GroupFleetCounts], {
    nullable: true,
    description:
      'With `groupBy`: one entry per value of that cluster label (sorted; clusters without it last, as null).',
  })
  groups!: GroupFleetCounts[] | null;
}

@ObjectType({ description: 'Something happened to a cluster (one event of its stream).' })
export class ClusterChange {
  @Field(() => String, { description: 'ClusterRegistered, ClusterConnectivityChanged, ...' })
  type!: string;
  @Field(() => ID) clusterId!: string;
  @Field(() => String) tenant!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'Global position of the event in the log.' })
  position!: string;
  @Field(() => GraphQLISODateTime) at!: Date;
  @Field(() => ClusterConnectivity, { nullable: true }) connectivity!: ClusterConnectivity | null;
  @Field(() => GraphQLJSONObject, { description: 'Labels after the change.' })
  labels!: Record<string, string>;
  @Field(() => Boolean) deregistered!: boolean;
}

@InputType()
export class RegisterKubeconfigClusterInput {
  @Field(() => String) tenant!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'A kubeconfig (YAML or JSON); stored encrypted.' })
  kubeconfig!: string;
  @Field(() => GraphQLJSONObject, { nullable: true }) labels?: Record<string, unknown> | null;
}
