import { z } from 'zod';
import { objectNameSchema } from '../application-set/application.events';
import { dnsLabelSchema } from '../cluster/cluster.schema';
import { HEALTH_STATUS_CODES } from '../delivery/delivery.events';
import { labelSelectorSchema } from '../tenant/label-selector';

/** Where a rule's notifications go: a plain JSON webhook, or a Slack-compatible incoming webhook. */
export const NOTIFICATION_TARGET_KINDS = ['Webhook', 'Slack'] as const;
export type NotificationTargetKind = (typeof NOTIFICATION_TARGET_KINDS)[number];

/**
 * What a rule selects and where it sends. Every list is ANDed with the others; an empty list (or
 * a null selector) does not narrow. `eventTypes` are names of the event log's types.
 * `clusterSelector` matches the labels of the cluster an event is about (an event about no
 * cluster, such as an ApplicationSet's, never matches a rule that has one). `applicationSets`
 * names the ApplicationSets whose own and whose Applications' events match. `health` narrows
 * `ApplicationStatusChanged` events to those health codes.
 *
 * `target.url` is the endpoint as shown (its path after the first segment and its query hidden:
 * incoming-webhook URLs carry their token there); the URL itself is sealed with the rule's
 * signing secret, outside the log, and `urlSha256` tells when it changed.
 */
export const notificationRuleSpecSchema = z
  .object({
    name: dnsLabelSchema,
    eventTypes: z.array(z.string().min(1).max(100)).min(1).max(100),
    clusterSelector: labelSelectorSchema.nullable(),
    applicationSets: z.array(objectNameSchema).max(100),
    health: z.array(z.enum(HEALTH_STATUS_CODES)).max(HEALTH_STATUS_CODES.length),
    target: z
      .object({
        kind: z.enum(NOTIFICATION_TARGET_KINDS),
        url: z.string().min(1).max(2048),
        urlSha256: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict(),
  })
  .strict();
/** A notification rule's specification. */
export type NotificationRuleSpec = z.output<typeof notificationRuleSpecSchema>;

/**
 * Notification rule events (stream `notification-rule-<id>`). The shared secret that signs the
 * rule's deliveries and the endpoint URL are sealed outside the log, like credentials; events
 * never carry either.
 */
export const notificationRuleEventSchemas = {
  /** A tenant's rule was created. */
  NotificationRuleCreated: {
    version: 1,
    schema: notificationRuleSpecSchema.extend({ tenant: dnsLabelSchema }).strict(),
  },
  /** A rule's specification was replaced as a whole (its tenant never changes). */
  NotificationRuleUpdated: { version: 1, schema: notificationRuleSpecSchema },
  /** A rule's signing secret was replaced (its value is sealed outside the log). */
  NotificationRuleSecretRotated: { version: 1, schema: z.object({}).strict() },
  /** A rule was deleted: nothing more is queued for it, and its pending deliveries are dropped. */
  NotificationRuleDeleted: { version: 1, schema: z.object({}).strict() },
} as const;

/** The name of a notification rule event. */
export type NotificationRuleEventType = keyof typeof notificationRuleEventSchemas;

/** One notification rule event as `{ type, data }`, discriminated on `type`. */
export type NotificationRuleEvent = {
  [K in NotificationRuleEventType]: {
    type: K;
    data: z.output<(typeof notificationRuleEventSchemas)[K]['schema']>;
  };
}[NotificationRuleEventType];

const PREFIX = 'notification-rule-';
/** The stream of one notification rule. */
export const notificationRuleStream = (id: string): string => `${PREFIX}${id}`;
/** The rule id of a notification rule stream. */
export const notificationRuleIdOf = (streamId: string): string => streamId.slice(PREFIX.length);
