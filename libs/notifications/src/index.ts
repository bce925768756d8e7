export {
  NOTIFICATION_DISPATCH_VERSION,
  NOTIFICATION_RULES_TABLE,
  NOTIFIABLE_EVENT_TYPES,
  notificationDeliveryId,
  notificationDispatchProjection,
  type NotificationDispatchOptions,
} from './dispatch.projection';
export { endpointProblem, guardedLookup, isPrivateAddress, PrivateAddressError } from './endpoint';
export { NotificationSecretStore, notificationSecretContext } from './notification-secrets';
export { slackBody, summarize, webhookBody, type NotificationContent } from './payload';
export { ruleMatches, type NotificationRuleRow, type NotificationSubject } from './rule-match';
export { sendNotification, type SendOptions, type SendOutcome } from './send';
export {
  NOTIFICATION_HEADERS,
  newSigningSecret,
  signNotification,
  verifyNotification,
} from './signature';
