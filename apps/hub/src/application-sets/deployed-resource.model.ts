import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../graphql/connection.model';
import { ResourceProblem } from './application-delivery.model';
import { Application } from './application.model';

@InputType({ description: 'Which deployed objects: a kind, narrowed by the other fields.' })
export class ResourceFilter {
  @Field(() => String, { description: 'e.g. ClusterRole, Deployment.' }) kind!: string;
  @Field(() => String, { nullable: true, description: "API group ('' for the core group)." })
  group?: string | null;
  @Field(() => String, {
    nullable: true,
    description: "Namespace the object lands in ('' for cluster-scoped objects).",
  })
  namespace?: string | null;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'A label selector on the cluster (Kubernetes syntax: `env=prod`).',
  })
  selector?: string | null;
  @Field(() => String, { nullable: true }) tenant?: string | null;
}

@ObjectType({
  description:
    'An object an Application puts on its cluster (from the bundle it runs), with what the ' +
    'cluster reports of it.',
})
export class DeployedResource {
  @Field(() => String, { description: "'' for the core group." }) group!: string;
  @Field(() => String) version!: string;
  @Field(() => String) kind!: string;
  @Field(() => String, { description: "'' when cluster-scoped." }) namespace!: string;
  @Field(() => String) name!: string;
  @Field(() => Application, { description: 'Which Application, on which cluster.' })
  application!: Application;
  @Field(() => ResourceProblem, {
    nullable: true,
    description:
      'What the cluster reports wrong with it; null when it is Synced and Healthy (or has no ' +
      'health rule), or nothing was reported yet (see application.delivery.status).',
  })
  problem!: ResourceProblem | null;
}

@ObjectType()
export class DeployedResourceEdge {
  @Field(() => String) cursor!: string;
  @Field(() => DeployedResource) node!: DeployedResource;
}

@ObjectType()
export class DeployedResourceConnection {
  @Field(() => [DeployedResourceEdge]) edges!: DeployedResourceEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Objects matching the filter that you may see.' })
  totalCount!: number;
}
