import { Field, InputType } from '@nestjs/graphql';
import { HealthStatus } from '../application-sets/application-delivery.model';
import { LabelSelectorInput } from '../tenants/tenant.input';
import { NotificationTargetKind } from './notification-rule.model';

// The hub checks what GraphQL types cannot (known event types, the selector, the URL) and names
// the field at fault.

@InputType()
export class NotificationTargetInput {
  @Field(() => NotificationTargetKind) kind!: NotificationTargetKind;
  @Field(() => String, {
    description:
      'http or https, without user name or password; private and loopback addresses only where the hub allows them (NOTIFY_ALLOW_PRIVATE_NETWORKS).',
  })
  url!: string;
}

@InputType({ description: "A rule's whole specification (an update replaces it)." })
export class NotificationRuleSpecInput {
  @Field(() => String, { description: 'A DNS label, unique among the live rules of the tenant.' })
  name!: string;
  @Field(() => [String], { description: 'Types of the events to send, as the log names them.' })
  eventTypes!: string[];
  @Field(() => LabelSelectorInput, { nullable: true })
  clusterSelector?: LabelSelectorInput | null;
  @Field(() => [String], { nullable: true }) applicationSets?: string[] | null;
  @Field(() => [HealthStatus], { nullable: true }) health?: HealthStatus[] | null;
  @Field(() => NotificationTargetInput) target!: NotificationTargetInput;
}

@InputType()
export class CreateNotificationRuleInput extends NotificationRuleSpecInput {
  @Field(() => String) tenant!: string;
  @Field(() => String, {
    nullable: true,
    description:
      'The signing secret (at least 16 characters); left out, the hub generates one and returns it once.',
  })
  secret?: string | null;
}
