import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress, PrivateAddressError } from './endpoint';

export interface SendOptions {
  /** The whole attempt (connect, send, answer) must fit in this. */
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

/** How one attempt went. `retry`: whether trying again later can help. */
export interface SendOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  retry: boolean;
}

const MAX_ANSWER_BYTES = 1024;

/**
 * POSTs `body` (JSON) to `url` once. Any 2xx is a success. A timeout, a network error, 408, 429
 * and 5xx are worth retrying; other answers (a 404, a 401: the endpoint refuses this content) and
 * a host that resolves to a private address are not. Redirects are not followed. The error says
 * what happened, with the start of the endpoint's answer.
 */
export function sendNotification(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<SendOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const aborter = new AbortController();
    const timer = setTimeout(() => {
      aborter.abort();
      done({
        ok: false,
        status: null,
        error: `no answer within ${options.timeoutMs / 1000} s`,
        retry: true,
      });
    }, options.timeoutMs);
    const done = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return done({ ok: false, status: null, error: 'the URL is not valid', retry: false });
    }
    // A literal address is connected to without a lookup, so it is checked here.
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivateNetworks && isIP(host) !== 0 && isPrivateAddress(host)) {
      const error = new PrivateAddressError(host, host).message;
      return done({ ok: false, status: null, error, retry: false });
    }
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'flotilla-notifications',
        ...headers,
      },
      lookup: guardedLookup(options.allowPrivateNetworks),
      agent: false,
      signal: aborter.signal,
    });
    request.on('error', (error) => {
      const privateHost = error instanceof PrivateAddressError;
      done({
        ok: false,
        status: null,
        error: privateHost ? error.message : `cannot reach the endpoint: ${error.message}`,
        retry: !privateHost,
      });
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', () => undefined);
      response.on('end', () => {
        if (status >= 200 && status < 300)
          return done({ ok: true, status, error: null, retry: false });
        const answer = Buffer.concat(chunks).toString('utf8').slice(0, 300).trim();
        const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
        done({
          ok: false,
          status,
          error: `HTTP ${status}${redirect}${answer ? `: ${answer}` : ''}`,
          retry: status === 408 || status === 429 || status >= 500,
        });
      });
    });
    request.end(body);
  });
}
