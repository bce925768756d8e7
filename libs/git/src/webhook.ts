import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Who sent a push webhook. */
export type WebhookProvider = 'github' | 'gitlab';

/** A verified push: the repository's URLs as the provider spells them, the ref and new commit. */
export interface PushEvent {
  provider: WebhookProvider;
  /** Every URL the payload gives for the repository (clone, ssh and web), deduplicated. */
  repoURLs: string[];
  /** `refs/heads/main`, `refs/tags/v1`. */
  ref: string;
  /** The commit the ref now points to (all zeros when it was deleted). */
  after: string;
}

/** What a delivery is, once its signature was checked. */
export type WebhookOutcome =
  /** Missing or wrong signature or token, or no provider headers: answer 401, always the same. */
  | { kind: 'refused' }
  /** Authentic but not a push (GitHub `ping` included): accept and do nothing. */
  | { kind: 'ignored'; provider: WebhookProvider; event: string }
  /** Authentic, but the push payload cannot be read. */
  | { kind: 'malformed'; provider: WebhookProvider; reason: string }
  | { kind: 'push'; push: PushEvent };

/** Request headers as Node gives them (lower-case names). */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Equal strings, compared in constant time whatever their lengths (digests are compared). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}

const header = (headers: WebhookHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * GitHub's `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body under the
 * webhook secret. Compared in constant time; anything else (SHA-1 only, missing) is false.
 */
export function verifyGitHubSignature(
  body: Buffer,
  signature: string | undefined,
  secret: string,
): boolean {
  if (!signature || secret === '') return false;
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return sameSecret(signature.trim().toLowerCase(), expected);
}

/** GitLab's `X-Gitlab-Token`: the secret itself, compared in constant time. */
export function verifyGitLabToken(token: string | undefined, secret: string): boolean {
  return token !== undefined && secret !== '' && sameSecret(token, secret);
}

/**
 * Verifies a GitHub or GitLab webhook delivery against `secret` and reads its push, if it is one.
 * The body is parsed only after the signature checked out. GitHub's form-encoded deliveries
 * (`payload=<json>`) are read too.
 */
export function readPushWebhook(
  headers: WebhookHeaders,
  body: Buffer,
  secret: string,
): WebhookOutcome {
  const githubEvent = header(headers, 'x-github-event');
  const gitlabEvent = header(headers, 'x-gitlab-event');
  if (githubEvent !== undefined) {
    if (!verifyGitHubSignature(body, header(headers, 'x-hub-signature-256'), secret)) {
      return { kind: 'refused' };
    }
    if (githubEvent !== 'push') return { kind: 'ignored', provider: 'github', event: githubEvent };
    return readPayload('github', body, header(headers, 'content-type'), (p) => {
      const repo = record(p.repository);
      return [repo.clone_url, repo.ssh_url, repo.html_url];
    });
  }
  if (gitlabEvent !== undefined) {
    if (!verifyGitLabToken(header(headers, 'x-gitlab-token'), secret)) return { kind: 'refused' };
    const pushLike = ['Push Hook', 'Tag Push Hook', 'System Hook'].includes(gitlabEvent);
    if (!pushLike) return { kind: 'ignored', provider: 'gitlab', event: gitlabEvent };
    return readPayload('gitlab', body, header(headers, 'content-type'), (p) => {
      const project = record(p.project);
      const repo = record(p.repository);
      return [
        project.git_http_url,
        project.git_ssh_url,
        project.web_url,
        repo.git_http_url,
        repo.git_ssh_url,
        repo.homepage,
      ];
    });
  }
  return { kind: 'refused' };
}

function readPayload(
  provider: WebhookProvider,
  body: Buffer,
  contentType: string | undefined,
  urls: (payload: Record<string, unknown>) => unknown[],
): WebhookOutcome {
  let payload: Record<string, unknown>;
  try {
    const text = body.toString('utf8');
    const json = contentType?.startsWith('application/x-www-form-urlencoded')
      ? (new URLSearchParams(text).get('payload') ?? '')
      : text;
    payload = record(JSON.parse(json));
  } catch {
    return { kind: 'malformed', provider, reason: 'the body is not a JSON push payload' };
  }
  // GitLab system hooks carry every event kind; only pushes matter.
  const kind = payload.object_kind ?? payload.event_name;
  if (provider === 'gitlab' && kind !== undefined && kind !== 'push' && kind !== 'tag_push') {
    return { kind: 'ignored', provider, event: String(kind) };
  }
  const repoURLs = [
    ...new Set(urls(payload).filter((u): u is string => typeof u === 'string' && u !== '')),
  ];
  const ref = payload.ref;
  const after = payload.after ?? payload.checkout_sha;
  if (repoURLs.length === 0 || typeof ref !== 'string' || typeof after !== 'string') {
    return { kind: 'malformed', provider, reason: 'the push names no repository, ref or commit' };
  }
  if (!/^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(after)) {
    return { kind: 'malformed', provider, reason: 'after is not a commit id' };
  }
  return { kind: 'push', push: { provider, repoURLs, ref, after } };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
