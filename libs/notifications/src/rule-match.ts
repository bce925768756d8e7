import { matches, type HealthStatusCodeValue, type LabelSelector } from '@flotilla/domain';

/** A rule as the dispatcher and the sender read it. */
export interface NotificationRuleRow {
  id: string;
  tenant: string;
  name: string;
  eventTypes: readonly string[];
  clusterSelector: LabelSelector | null;
  applicationSets: readonly string[];
  health: readonly HealthStatusCodeValue[];
  targetKind: 'Webhook' | 'Slack';
  targetUrl: string;
}

/** What an event is about, as the log said when it was written. */
export interface NotificationSubject {
  cluster: { id: string; name: string; labels: Record<string, string> } | null;
  applicationSet: { id: string; name: string } | null;
  application: { id: string; name: string } | null;
}

/**
 * True when `rule` selects the event: its type is listed; the cluster it is about matches the
 * rule's cluster selector (an event about no cluster never matches a rule that has one, nor does
 * an event about a cluster the log no longer knows); it is about one of the rule's
 * ApplicationSets, when the rule names some; and for `ApplicationStatusChanged`, its health is
 * one the rule lists, when it lists some. An empty selector (`{}`) narrows nothing, like a null
 * one (as in Kubernetes, it selects everything). The tenant is checked by the caller (rules only
 * ever see their own tenant's events).
 */
export function ruleMatches(
  rule: NotificationRuleRow,
  event: { type: string; data: unknown },
  subject: NotificationSubject,
): boolean {
  if (!rule.eventTypes.includes(event.type)) return false;
  if (rule.clusterSelector !== null && !isEmptySelector(rule.clusterSelector)) {
    if (!subject.cluster || !matches(rule.clusterSelector, subject.cluster.labels)) return false;
  }
  if (rule.applicationSets.length > 0) {
    if (!subject.applicationSet || !rule.applicationSets.includes(subject.applicationSet.name))
      return false;
  }
  if (rule.health.length > 0 && event.type === 'ApplicationStatusChanged') {
    const health = (event.data as { health?: HealthStatusCodeValue }).health;
    if (!health || !rule.health.includes(health)) return false;
  }
  return true;
}

function isEmptySelector(selector: LabelSelector): boolean {
  return (
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  );
}
