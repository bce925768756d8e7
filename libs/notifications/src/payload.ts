import type { NotificationSubject } from './rule-match';

/** One delivery's content: the event as stored, what it is about, and the rule that sent it. */
export interface NotificationContent {
  deliveryId: string;
  rule: { id: string; name: string };
  tenant: string;
  event: {
    id: string;
    type: string;
    stream: string;
    position: string;
    recordedAt: string;
    actor: string;
    data: unknown;
  };
  subject: NotificationSubject;
}

/**
 * The body sent to a plain webhook: the content as it is (the event's data is the log's, so a
 * receiver can act on any field), with a one-line `summary` for people.
 */
export function webhookBody(content: NotificationContent): string {
  return JSON.stringify({
    id: content.deliveryId,
    tenant: content.tenant,
    rule: content.rule,
    summary: summarize(content),
    event: content.event,
    subject: content.subject,
  });
}

/** The body sent to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat). */
export function slackBody(content: NotificationContent): string {
  const context = [
    `tenant *${content.tenant}*`,
    `rule *${content.rule.name}*`,
    `by ${content.event.actor}`,
    content.event.recordedAt,
  ].join(' · ');
  return JSON.stringify({
    text: summarize(content),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(summarize(content)) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(context) }] },
    ],
  });
}

/** Slack's three control characters (`&`, `<`, `>`) escaped, as its message formatting asks. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

type Data = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** One readable line about the event: what happened, to what, on which cluster. */
export function summarize(content: Pick<NotificationContent, 'event' | 'subject'>): string {
  const { event, subject } = content;
  const data = (event.data ?? {}) as Data;
  const app = subject.application?.name;
  const on = subject.cluster ? ` on cluster ${subject.cluster.name}` : '';
  const set = subject.applicationSet ? `ApplicationSet ${subject.applicationSet.name}` : undefined;
  switch (event.type) {
    case 'ApplicationStatusChanged': {
      const message = data['message'] ? `: ${str(data['message'])}` : '';
      return `Application ${app ?? '?'}${on} is ${str(data['health'])} and ${str(data['sync'])}${message}`;
    }
    case 'ApplicationDriftDetected': {
      const resources = Array.isArray(data['resources']) ? (data['resources'] as Data[]) : [];
      const names = resources
        .slice(0, 5)
        .map((r) => `${str(r['kind'])}/${str(r['name'])}`)
        .join(', ');
      const more = resources.length > 5 ? ` and ${resources.length - 5} more` : '';
      const corrected = data['corrected'] ? ' (corrected by self-heal)' : ' (left as it is)';
      return `Drift in Application ${app ?? '?'}${on}: ${names}${more}${corrected}`;
    }
    case 'ApplicationRenderFailed':
      return `Rendering Application ${app ?? '?'}${on} failed (${str(data['code'])}): ${str(data['message'])}`;
    case 'ApplicationRendered':
      return `Application ${app ?? '?'}${on} now wants commit ${str(data['commit']).slice(0, 12)}`;
    case 'ClusterConnectivityChanged':
      return `Cluster ${subject.cluster?.name ?? '?'} went from ${str(data['from'])} to ${str(data['to'])}`;
    case 'ApplicationSetGenerationFailed':
      return `${set ?? 'An ApplicationSet'} failed to generate (${str(data['reason'])}): ${str(data['message'])}`;
    case 'ApplicationSetDeletionHeld':
      return `${set ?? 'An ApplicationSet'} holds ${Array.isArray(data['deletions']) ? data['deletions'].length : '?'} deletions until someone confirms them`;
    case 'RolloutGateWaiting':
      return `Rollout of ${set ?? 'an ApplicationSet'} waits at step ${Number(data['step']) + 1} (${str(data['gate'])}): ${str(data['message'])}`;
    case 'RolloutPaused':
      return `Rollout of ${set ?? 'an ApplicationSet'} paused${data['by'] === 'health' ? ' by health' : ''}: ${str(data['reason'])}`;
    case 'RolloutAborted':
      return `Rollout of ${set ?? 'an ApplicationSet'} aborted${data['rollback'] ? ', rolling back' : ''}: ${str(data['reason'])}`;
    case 'RolloutCompleted':
      return `Rollout of ${set ?? 'an ApplicationSet'} completed: ${str(data['updated'])} updated, ${str(data['failed'])} failed, ${str(data['skipped'])} skipped`;
    case 'RolloutStarted':
      return `Rollout of ${set ?? 'an ApplicationSet'} started: ${str(data['reason'])}`;
    default: {
      const about = app ? ` Application ${app}` : set ? ` ${set}` : '';
      return `${event.type}${about}${on}`;
    }
  }
}
