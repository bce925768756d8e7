import {
  AGENT_API_PREFIX,
  AGENT_PATHS,
  agentErrorResponse,
  heartbeatResponse,
  registerResponse,
  rotateCredentialResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RegisterRequest,
  type RegisterResponse,
  type RotateCredentialResponse,
} from '@flotilla/contracts';
import type { z } from 'zod';
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
  | { kind: 'refused'; status: number; code: string; message: string };

/** A hub answer, validated against the contract schema, or a failure. */
export type HubAnswer<T> = { ok: true; value: T } | { ok: false; failure: HubFailure };

/** How long one call may take before its answer counts as lost. */
const CALL_TIMEOUT_MS = 15_000;

/** The agent protocol from the agent's side; every answer is checked against the contracts. */
export class HubClient {
  constructor(
    private readonly hubUrl: string,
    private readonly fetchFn: typeof fetch,
    private readonly nowMs: () => number,
    private readonly stopSignal: AbortSignal,
  ) {}

  register(body: RegisterRequest): Promise<HubAnswer<RegisterResponse>> {
    return this.post(AGENT_PATHS.register, body, registerResponse);
  }

  heartbeat(credential: string, body: HeartbeatRequest): Promise<HubAnswer<HeartbeatResponse>> {
    return this.post(AGENT_PATHS.heartbeat, body, heartbeatResponse, credential);
  }

  rotate(credential: string): Promise<HubAnswer<RotateCredentialResponse>> {
    return this.post(AGENT_PATHS.rotateCredential, {}, rotateCredentialResponse, credential);
  }

  private async post<T>(
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    credential?: string,
  ): Promise<HubAnswer<T>> {
    const url = new URL(`${AGENT_API_PREFIX}${path}`, this.hubUrl).toString();
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(credential ? { authorization: `Bearer ${credential}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([this.stopSignal, AbortSignal.timeout(CALL_TIMEOUT_MS)]),
      });
      text = await res.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      return retry(`POST ${url} failed: ${e.cause?.code ?? e.message}`);
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    if (res.ok) {
      const parsed = schema.safeParse(json);
      if (parsed.success) return { ok: true, value: parsed.data };
      return retry(`POST ${path} answered ${res.status} with a body that breaks the protocol`);
    }
    const error = agentErrorResponse.safeParse(json);
    const code = error.success ? error.data.error.code : `HTTP_${res.status}`;
    const message = `POST ${path} answered ${res.status} ${code}: ${
      error.success ? error.data.error.message : text.slice(0, 200)
    }`;
    if (res.status === 401) return { ok: false, failure: { kind: 'unauthenticated', message } };
    if (res.status === 429 || res.status >= 500) {
      const after = retryAfterMs(res.headers.get('retry-after'), this.nowMs());
      return retry(message, after);
    }
    return { ok: false, failure: { kind: 'refused', status: res.status, code, message } };
  }
}

function retry(message: string, after?: number): { ok: false; failure: HubFailure } {
  return {
    ok: false,
    failure: { kind: 'retry', message, ...(after !== undefined ? { retryAfterMs: after } : {}) },
  };
}
