import { endpointDigest, endpointProblem, isPrivateAddress, maskEndpoint } from './endpoint';
import { slackBody, summarize, webhookBody, type NotificationContent } from './payload';
import { ruleMatches, type NotificationRuleRow, type NotificationSubject } from './rule-match';
import { newSigningSecret, signNotification, verifyNotification } from './signature';

const rule = (over: Partial<NotificationRuleRow> = {}): NotificationRuleRow => ({
  id: 'r1',
  tenant: 'team-a',
  name: 'degraded',
  eventTypes: ['ApplicationStatusChanged'],
  clusterSelector: null,
  applicationSets: [],
  health: [],
  targetKind: 'Webhook',
  targetUrl: 'https://hooks.example.com/x',
  ...over,
});
const prod: NotificationSubject = {
  cluster: { id: 'c1', name: 'eu-1', labels: { env: 'prod', region: 'eu' } },
  applicationSet: { id: 's1', name: 'web' },
  application: { id: 'a1', name: 'web-eu-1' },
};
const status = (health: string) => ({
  type: 'ApplicationStatusChanged',
  data: { health, sync: 'Synced', message: '' },
});

describe('ruleMatches', () => {
  it('selects by event type, cluster labels, ApplicationSet and health, all ANDed', () => {
    expect(ruleMatches(rule(), status('Degraded'), prod)).toBe(true);
    expect(ruleMatches(rule(), { type: 'ApplicationRendered', data: {} }, prod)).toBe(false);
    const prodOnly = rule({ clusterSelector: { matchLabels: { env: 'prod' } } });
    expect(ruleMatches(prodOnly, status('Degraded'), prod)).toBe(true);
    const dev = { ...prod, cluster: { ...prod.cluster!, labels: { env: 'dev' } } };
    expect(ruleMatches(prodOnly, status('Degraded'), dev)).toBe(false);
    expect(ruleMatches(rule({ applicationSets: ['api'] }), status('Degraded'), prod)).toBe(false);
    expect(ruleMatches(rule({ applicationSets: ['web'] }), status('Degraded'), prod)).toBe(true);
    const degraded = rule({ health: ['Degraded', 'Missing'] });
    expect(ruleMatches(degraded, status('Degraded'), prod)).toBe(true);
    expect(ruleMatches(degraded, status('Healthy'), prod)).toBe(false);
  });

  it('never matches an event about no cluster when the rule has a (non-empty) cluster selector', () => {
    const none: NotificationSubject = { cluster: null, applicationSet: null, application: null };
    const selecting = rule({
      eventTypes: ['ApplicationSetGenerationFailed'],
      clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] },
    });
    expect(ruleMatches(selecting, { type: 'ApplicationSetGenerationFailed', data: {} }, none)).toBe(
      false,
    );
    expect(
      ruleMatches(
        { ...selecting, clusterSelector: { matchLabels: {}, matchExpressions: [] } },
        { type: 'ApplicationSetGenerationFailed', data: {} },
        none,
      ),
    ).toBe(true);
    expect(
      ruleMatches(
        { ...selecting, clusterSelector: null },
        { type: 'ApplicationSetGenerationFailed', data: {} },
        none,
      ),
    ).toBe(true);
  });
});

describe('endpoints', () => {
  it('accepts http and https URLs and names what is wrong with others', () => {
    expect(endpointProblem('https://hooks.slack.com/services/T/B/X', false)).toBeUndefined();
    expect(endpointProblem('not a url', false)).toBe('is not a URL');
    expect(endpointProblem('ftp://example.com/x', false)).toMatch(/http or https URL, not ftp/);
    expect(endpointProblem('file:///etc/passwd', false)).toMatch(/not file/);
    expect(endpointProblem('https://user:pw@example.com/x', false)).toMatch(/user name/);
  });

  it('refuses private, loopback and link-local hosts unless private networks are allowed', () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/x',
      'http://192.168.0.10/x',
      'http://[::1]/x',
      'http://[fd00::1]/x',
      'http://[::ffff:127.0.0.1]/x',
    ]) {
      expect(endpointProblem(url, false)).toMatch(/private address.*NOTIFY_ALLOW_PRIVATE_NETWORKS/);
      expect(endpointProblem(url, true)).toBeUndefined();
    }
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('2001:4860:4860::8888')).toBe(false);
    expect(isPrivateAddress('172.31.255.255')).toBe(true);
    expect(isPrivateAddress('172.32.0.1')).toBe(false);
    expect(isPrivateAddress('64:ff9b::a9fe:a9fe')).toBe(true); // NAT64 of 169.254.169.254
  });
});

describe('maskEndpoint', () => {
  it('keeps scheme, host, port and the first path segment, and hides the rest', () => {
    expect(maskEndpoint('https://hooks.slack.com/services/T0/B0/token')).toBe(
      'https://hooks.slack.com/services/…',
    );
    expect(maskEndpoint('https://example.com:8443/hook?key=abc')).toBe(
      'https://example.com:8443/hook/…',
    );
    expect(maskEndpoint('https://example.com/hook')).toBe('https://example.com/hook');
    expect(maskEndpoint('http://example.com')).toBe('http://example.com');
    expect(endpointDigest('https://a/b')).not.toBe(endpointDigest('https://a/c'));
  });
});

describe('signatures', () => {
  it('verifies its own signature and refuses a changed body, another secret or an old timestamp', () => {
    const secret = newSigningSecret();
    const body = '{"a":1}';
    const signature = signNotification(secret, 1_000, body);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    const headers = { timestamp: '1000', signature };
    expect(verifyNotification(secret, headers, body, 1_100)).toBe(true);
    expect(verifyNotification(secret, headers, '{"a":2}', 1_100)).toBe(false);
    expect(verifyNotification(newSigningSecret(), headers, body, 1_100)).toBe(false);
    expect(verifyNotification(secret, headers, body, 1_000 + 301)).toBe(false);
    expect(verifyNotification(secret, { ...headers, signature: undefined }, body, 1_000)).toBe(
      false,
    );
  });
});

describe('payloads', () => {
  const content: NotificationContent = {
    deliveryId: 'd1',
    rule: { id: 'r1', name: 'degraded' },
    tenant: 'team-a',
    event: {
      id: 'e1',
      type: 'ApplicationStatusChanged',
      stream: 'delivery-a1',
      position: '42',
      recordedAt: '2026-11-29T03:00:00.000Z',
      actor: 'agent:c1',
      data: { health: 'Degraded', sync: 'Synced', message: 'Deployment web <has> 0/3 & more' },
    },
    subject: prod,
  };

  it('summarizes in one line that names the Application, the cluster and the health', () => {
    expect(summarize(content)).toBe(
      'Application web-eu-1 on cluster eu-1 is Degraded and Synced: Deployment web <has> 0/3 & more',
    );
    expect(
      summarize({
        event: {
          ...content.event,
          type: 'ApplicationDriftDetected',
          data: { corrected: true, resources: [{ kind: 'ConfigMap', name: 'cfg' }] },
        },
        subject: prod,
      }),
    ).toBe('Drift in Application web-eu-1 on cluster eu-1: ConfigMap/cfg (corrected by self-heal)');
  });

  it('summarizes the rollout events a console pages on', () => {
    const rollout = (type: string, data: Record<string, unknown>) =>
      summarize({
        event: { ...content.event, type, stream: 'rollout-r1', data },
        subject: { cluster: null, application: null, applicationSet: { id: 's1', name: 'web' } },
      });
    expect(
      rollout('RolloutGateWaiting', { step: 1, gate: 'Approval', message: 'waits for a deployer' }),
    ).toBe('Rollout of ApplicationSet web waits at step 2 (Approval): waits for a deployer');
    expect(rollout('RolloutPaused', { by: 'health', reason: '1 target(s) failed' })).toBe(
      'Rollout of ApplicationSet web paused by health: 1 target(s) failed',
    );
    expect(rollout('RolloutAborted', { rollback: true, reason: 'bad build' })).toBe(
      'Rollout of ApplicationSet web aborted, rolling back: bad build',
    );
    expect(rollout('RolloutCompleted', { updated: 30, failed: 0, skipped: 1 })).toBe(
      'Rollout of ApplicationSet web completed: 30 updated, 0 failed, 1 skipped',
    );
  });

  it('sends the event as stored to webhooks, and escaped text to Slack', () => {
    const hook = JSON.parse(webhookBody(content)) as Record<string, unknown>;
    expect(hook).toMatchObject({ id: 'd1', tenant: 'team-a', event: content.event, subject: prod });
    const slack = JSON.parse(slackBody(content)) as { text: string; blocks: unknown[] };
    expect(slack.text).toContain('web-eu-1');
    expect(JSON.stringify(slack.blocks)).toContain('&lt;has&gt; 0/3 &amp; more');
  });
});
