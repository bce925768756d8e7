import {
  AGENT_API_PREFIX,
  AGENT_PATHS,
  agentErrorResponse,
  bundleResponse,
  desiredResponse,
  heartbeatResponse,
  registerResponse,
  rotateCredentialResponse,
  statusResponse,
  type BundleResponse,
  type DesiredResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RegisterRequest,
  type RegisterResponse,
  type RotateCredentialResponse,
  type StatusRequest,
  type StatusResponse,
} from '@flotilla/contracts';
import type { z } from 'zod';
import type { AgentMetrics, HubCallOutcome, HubEndpoint } from './agent-metrics';
import { retryAfterMs } from './backoff';

/**
 * Why a call to the hub failed, as far as the agent acts on it:
 * - `retry`: the hub is down, unreachable, overloaded or answered garbage; try again later (an
 *   answer may have been lost on the way).
 * - `unauthenticated`: 401, the token or credential is refused; retrying as is will not help.
 * - `refused`: another 4xx; the request has to change first.
 */
export type HubFailure =
  | { kind: 'retry'; message: string; retryAfterMs?: number }
  | { kind: 'unauthenticated'; message: string }
  | { kind: 'refused'; status: number; code: string; message: string; field?: string };

/** A hub answer, validated against the contract schema, or a failure. */
export type HubAnswer<T> = { ok: true; value: T } | { ok: false; failure: HubFailure };

/** `GET /desired`: nothing changed within the wait (304), or the whole new desired state. */
export type DesiredAnswer = { changed: false } | { changed: true; desired: DesiredResponse };

/** How long one call may take before its answer counts as lost. */
const CALL_TIMEOUT_MS = 15_000;

interface Call<T> {
  endpoint: HubEndpoint;
  method: 'GET' | 'POST';
  /** Below {@link AGENT_API_PREFIX}, with its query. */
  path: string;
  schema: z.ZodType<T>;
  credential?: string;
  body?: unknown;
  timeoutMs?: number;
  /** 304 is an answer (long-poll without change) rather than a broken one. */
  notModified?: boolean;
  /**
   * Ends the call when the agent stops (the long-poll, which may wait half a minute). Other calls
   * are short and finish: a status report in flight at SIGTERM still reaches the hub.
   */
  abortOnStop?: boolean;
}

/** The agent protocol from the agent's side; every answer is checked against the contracts. */
export class HubClient {
  constructor(
    private readonly hubUrl: string,
    private readonly fetchFn: typeof fetch,
    private readonly nowMs: () => number,
    private readonly stopSignal: AbortSignal,
    private readonly metrics?: AgentMetrics,
  ) {}

  register(body: RegisterRequest): Promise<HubAnswer<RegisterResponse>> {
    return this.post('register', body, registerResponse);
  }

  heartbeat(credential: string, body: HeartbeatRequest): Promise<HubAnswer<HeartbeatResponse>> {
    return this.post('heartbeat', body, heartbeatResponse, credential);
  }

  rotate(credential: string): Promise<HubAnswer<RotateCredentialResponse>> {
    return this.post('rotateCredential', {}, rotateCredentialResponse, credential);
  }

  /**
   * Long-polls the cluster's desired state: answers at once when the hub's revision differs from
   * `revision` (or none is held), else after up to `waitSeconds` with `{ changed: false }`. The
   * call may take the whole wait, so its timeout is the wait plus the usual allowance.
   */
  async desired(
    credential: string,
    revision: string | undefined,
    waitSeconds: number,
  ): Promise<HubAnswer<DesiredAnswer>> {
    const query = new URLSearchParams({ waitSeconds: String(waitSeconds) });
    if (revision !== undefined) query.set('revision', revision);
    const answer = await this.call({
      endpoint: 'desired',
      method: 'GET',
      path: `${AGENT_PATHS.desired}?${query.toString()}`,
      schema: desiredResponse,
      credential,
      timeoutMs: waitSeconds * 1000 + CALL_TIMEOUT_MS,
      notModified: true,
      abortOnStop: true,
    });
    if (!answer.ok) return answer;
    return {
      ok: true,
      value: answer.value ? { changed: true, desired: answer.value } : { changed: false },
    };
  }

  /** A bundle's manifests (immutable: the agent caches them by id). */
  async bundle(credential: string, bundleId: string): Promise<HubAnswer<BundleResponse>> {
    const path = AGENT_PATHS.bundle.replace(':bundleId', encodeURIComponent(bundleId));
    const answer = await this.call({
      endpoint: 'bundle',
      method: 'GET',
      path,
      schema: bundleResponse,
      credential,
    });
    if (!answer.ok) return answer;
    if (answer.value?.id !== bundleId)
      return retry(`GET ${path} answered bundle ${answer.value?.id ?? 'none'} instead`);
    return { ok: true, value: answer.value };
  }

  /** Reports what changed on the cluster. */
  status(credential: string, body: StatusRequest): Promise<HubAnswer<StatusResponse>> {
    return this.post('status', body, statusResponse, credential);
  }

  private async post<T>(
    endpoint: HubEndpoint,
    body: unknown,
    schema: z.ZodType<T>,
    credential?: string,
  ): Promise<HubAnswer<T>> {
    const answer = await this.call({
      endpoint,
      method: 'POST',
      path: AGENT_PATHS[endpoint],
      schema,
      body,
      ...(credential ? { credential } : {}),
    });
    // Without `notModified`, call() never answers ok with no value.
    return answer as HubAnswer<T>;
  }

  /** One call, counted and timed by endpoint and outcome. */
  private async call<T>(call: Call<T>): Promise<HubAnswer<T | undefined>> {
    if (!this.metrics) return this.callOnce(call);
    const start = performance.now();
    const answer = await this.callOnce(call);
    this.metrics.hubCall(call.endpoint, outcomeOf(answer), (performance.now() - start) / 1000);
    return answer;
  }

  /** One call; the value is undefined only for a 304 the caller allowed. */
  private async callOnce<T>(call: Call<T>): Promise<HubAnswer<T | undefined>> {
    const url = new URL(`${AGENT_API_PREFIX}${call.path}`, this.hubUrl).toString();
    const what = `${call.method} ${call.path.split('?')[0] ?? call.path}`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, {
        method: call.method,
        headers: {
          accept: 'application/json',
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(call.credential ? { authorization: `Bearer ${call.credential}` } : {}),
        },
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        signal: AbortSignal.any([
          ...(call.abortOnStop ? [this.stopSignal] : []),
          AbortSignal.timeout(call.timeoutMs ?? CALL_TIMEOUT_MS),
        ]),
      });
      text = await res.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      return retry(`${call.method} ${url} failed: ${e.cause?.code ?? e.message}`);
    }
    if (res.status === 304 && call.notModified) return { ok: true, value: undefined };
    if (res.status >= 300 && res.status < 400) return retry(`${what} answered ${res.status}`);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    if (res.ok) {
      const parsed = call.schema.safeParse(json);
      if (parsed.success) return { ok: true, value: parsed.data };
      return retry(`${what} answered ${res.status} with a body that breaks the protocol`);
    }
    const error = agentErrorResponse.safeParse(json);
    const code = error.success ? error.data.error.code : `HTTP_${res.status}`;
    const message = `${what} answered ${res.status} ${code}: ${
      error.success ? error.data.error.message : text.slice(0, 200)
    }`;
    if (res.status === 401) return { ok: false, failure: { kind: 'unauthenticated', message } };
    if (res.status === 429 || res.status >= 500) {
      const after = retryAfterMs(res.headers.get('retry-after'), this.nowMs());
      return retry(message, after);
    }
    const field = error.success ? error.data.error.field : undefined;
    return {
      ok: false,
      failure: { kind: 'refused', status: res.status, code, message, ...(field ? { field } : {}) },
    };
  }
}

function outcomeOf(answer: HubAnswer<unknown>): HubCallOutcome {
  if (answer.ok) return answer.value === undefined ? 'not_modified' : 'ok';
  const kind = answer.failure.kind;
  return kind === 'retry' ? 'unavailable' : kind;
}

function retry(message: string, after?: number): { ok: false; failure: HubFailure } {
  return {
    ok: false,
    failure: { kind: 'retry', message, ...(after !== undefined ? { retryAfterMs: after } : {}) },
  };
}
