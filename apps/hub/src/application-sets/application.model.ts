import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageInfo } from '../graphql/connection.model';
import { ApplicationDelivery } from './application-delivery.model';

@ObjectType({ description: 'The ApplicationSet an Application was generated from.' })
export class ApplicationSetRef {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true, description: 'Null once the ApplicationSet is deleted.' })
  name!: string | null;
}

@ObjectType({ description: 'The cluster an Application runs on.' })
export class ApplicationCluster {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true, description: 'Null when the cluster is unknown.' })
  name!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) labels!: Record<string, string> | null;
}

@ObjectType({ description: 'One generated Application: one ApplicationSet on one cluster.' })
export class Application {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) tenant!: string;
  @Field(() => ApplicationSetRef) applicationSet!: ApplicationSetRef;
  @Field(() => ApplicationCluster) cluster!: ApplicationCluster;
  @Field(() => String, { description: 'spec.destination.namespace (empty: cluster-scoped).' })
  namespace!: string;
  @Field(() => String) project!: string;
  @Field(() => String, { nullable: true, description: 'Of spec.source (or the first source).' })
  repoURL!: string | null;
  @Field(() => String, { nullable: true }) targetRevision!: string | null;
  @Field(() => String, { nullable: true }) path!: string | null;
  @Field(() => GraphQLJSONObject, { description: 'The generated spec, as delivered.' })
  spec!: Record<string, unknown>;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => ApplicationDelivery, {
    description:
      'What the cluster should run (rendered) and what it reports (sync, health, drift).',
  })
  delivery!: ApplicationDelivery;
}

@ObjectType()
export class ApplicationEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Application) node!: Application;
}

@ObjectType()
export class ApplicationConnection {
  @Field(() => [ApplicationEdge]) edges!: ApplicationEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Applications matching the filter that you may see.' })
  totalCount!: number;
}
