export {
  NOTIFICATION_DISPATCH_VERSION,
  NOTIFICATION_RULES_TABLE,
  NOTIFIABLE_EVENT_TYPES,
  notificationDeliveryId,
  notificationDispatchProjection,
  type NotificationDispatchOptions,
  type NotificationRuleRecord,
} from './dispatch.projection';
export {
  endpointDigest,
  endpointProblem,
  guardedLookup,
  isPrivateAddress,
  maskEndpoint,
  PrivateAddressError,
} from './endpoint';
export {
  NotificationSecretStore,
  notificationSecretContext,
  type NotificationSealed,
} from './notification-secrets';
export { slackBody, summarize, webhookBody, type NotificationContent } from './payload';
export { ruleMatches, type NotificationRuleRow, type NotificationSubject } from './rule-match';
export { sendNotification, type SendOptions, type SendOutcome } from './send';
export {
  NOTIFICATION_HEADERS,
  newSigningSecret,
  signNotification,
  verifyNotification,
} from './signature';
