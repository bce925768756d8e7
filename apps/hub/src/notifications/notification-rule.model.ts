import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { HealthStatus } from '../application-sets/application-delivery.model';
import { PageInfo } from '../graphql/connection.model';
import { LabelSelector } from '../tenants/tenant.model';

/** Where a rule's notifications go (the domain's NOTIFICATION_TARGET_KINDS). */
export enum NotificationTargetKind {
  Webhook = 'Webhook',
  Slack = 'Slack',
}
registerEnumType(NotificationTargetKind, {
  name: 'NotificationTargetKind',
  description:
    'Webhook: the event as JSON, signed. Slack: a message for a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat), signed too.',
});

/** How far one delivery got (the `notification_deliveries.state` column). */
export enum NotificationDeliveryState {
  Pending = 'Pending',
  Delivered = 'Delivered',
  Failed = 'Failed',
}
registerEnumType(NotificationDeliveryState, {
  name: 'NotificationDeliveryState',
  description:
    'Pending: queued or being retried. Delivered: the endpoint answered 2xx. Failed: every attempt failed, or the endpoint refused it.',
});

@ObjectType()
export class NotificationTarget {
  @Field(() => NotificationTargetKind) kind!: NotificationTargetKind;
  @Field(() => String, {
    description:
      'The endpoint as shown: scheme, host and first path segment, the rest hidden (incoming-webhook URLs carry their token there). The URL itself is sealed with the signing secret.',
  })
  url!: string;
}

@ObjectType({
  description:
    "One event sent (or being sent) by a rule: the worker's attempts and the endpoint's last answer.",
})
export class NotificationDelivery {
  @Field(() => ID) id!: string;
  @Field(() => ID) ruleId!: string;
  @Field(() => String) tenant!: string;
  @Field(() => ID) eventId!: string;
  @Field(() => String) eventType!: string;
  @Field(() => String, { description: "The event's global position in the log." })
  position!: string;
  @Field(() => NotificationDeliveryState) state!: NotificationDeliveryState;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { nullable: true, description: "The endpoint's last HTTP status." })
  lastStatus!: number | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastAttemptAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) deliveredAt!: Date | null;
  @Field(() => String, {
    nullable: true,
    description: 'The cluster the event is about, named as it was then.',
  })
  clusterName!: string | null;
  @Field(() => String, { nullable: true }) applicationSetName!: string | null;
  @Field(() => String, { nullable: true }) applicationName!: string | null;
}

@ObjectType()
export class NotificationDeliveryEdge {
  @Field(() => String) cursor!: string;
  @Field(() => NotificationDelivery) node!: NotificationDelivery;
}

// No totalCount: counting a busy tenant's deliveries would scan them all on every page.
@ObjectType({ description: 'Deliveries, newest event first.' })
export class NotificationDeliveryConnection {
  @Field(() => [NotificationDeliveryEdge]) edges!: NotificationDeliveryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType({
  description:
    "A tenant's rule: which of its events to send, and where. Every list narrows (ANDed); an empty list or a null selector does not. Its signing secret is never returned.",
})
export class NotificationRule {
  @Field(() => ID) id!: string;
  @Field(() => String) tenant!: string;
  @Field(() => String, { description: 'Unique among the live rules of its tenant.' })
  name!: string;
  @Field(() => [String], { description: 'Types of the events to send, as the log names them.' })
  eventTypes!: string[];
  @Field(() => LabelSelector, {
    nullable: true,
    description:
      'Labels of the cluster an event is about; a rule that has one never matches events about no cluster.',
  })
  clusterSelector!: LabelSelector | null;
  @Field(() => [String], { description: 'Names of ApplicationSets whose events match.' })
  applicationSets!: string[];
  @Field(() => [HealthStatus], {
    description: 'Narrows ApplicationStatusChanged events to these health codes.',
  })
  health!: HealthStatus[];
  @Field(() => NotificationTarget) target!: NotificationTarget;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => String) createdBy!: string;
  @Field(() => GraphQLISODateTime, {
    description: 'When its spec or secret last changed.',
  })
  updatedAt!: Date;
  @Field(() => String) updatedBy!: string;
}

@ObjectType()
export class CreateNotificationRulePayload {
  @Field(() => NotificationRule) rule!: NotificationRule;
  @Field(() => String, {
    nullable: true,
    description:
      'The signing secret the hub generated, shown this once (receivers verify x-flotilla-signature with it); null when you gave one.',
  })
  secret!: string | null;
}

@ObjectType()
export class RotateNotificationRuleSecretPayload {
  @Field(() => NotificationRule) rule!: NotificationRule;
  @Field(() => String, {
    nullable: true,
    description: 'The new secret the hub generated, shown this once; null when you gave one.',
  })
  secret!: string | null;
}
