import { randomUUID } from 'node:crypto';
import { inServerSpan } from '@flotilla/tracing';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AGENT_API_PREFIX } from '@flotilla/contracts';

/** A caller's own `x-request-id` is kept when it looks like one (no spaces, at most 128). */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const ID_KEY = Symbol('flotilla.requestId');
const OPERATION_KEY = Symbol('flotilla.operation');
type Tagged = Request & { [ID_KEY]?: string; [OPERATION_KEY]?: string };

/** Paths polled all day by agents, probes and scrapers: logged at debug, not info. */
const QUIET = [AGENT_API_PREFIX, '/healthz', '/readyz', '/metrics'];
/** Ids in paths (UUIDs, digests) become `:id`, so span names stay few. */
const ID_SEGMENT = /\/(?:[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{16,}|sha256:[0-9a-f]+)(?=\/|$)/gi;

/** The request's id, given by the request-id middleware (a fresh one for a request it missed). */
export function requestIdOf(req: Request): string {
  const tagged = req as Tagged;
  tagged[ID_KEY] ??= randomUUID();
  return tagged[ID_KEY];
}

/** Names the request's GraphQL operation (`mutation createTenant`) in its access log line. */
export function setRequestOperation(req: Request, operation: string): void {
  (req as Tagged)[OPERATION_KEY] = operation;
}

/**
 * The first middleware of every HTTP request: gives it an id (the caller's `x-request-id`, or a
 * new one, which the events it appends carry as `requestId` and `correlationId`), returns it in
 * `x-request-id`, and runs the rest of the request inside a server span that joins the caller's
 * trace (`traceparent`) when traces are on. Logs one line when answered, with those ids.
 */
export function requestIdMiddleware(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as Tagged)[ID_KEY] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = req.path.replace(ID_SEGMENT, '/:id');
    const started = process.hrtime.bigint();
    void inServerSpan(
      `${req.method} ${path}`,
      req.headers,
      { 'http.request.method': req.method, 'url.path': path },
      (span) =>
        new Promise<void>((resolve) => {
          res.once('close', () => {
            span.setAttribute('http.response.status_code', res.statusCode);
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            const operation = (req as Tagged)[OPERATION_KEY];
            const trace = span.spanContext();
            const line = {
              requestId,
              correlationId: requestId,
              ...(operation ? { operation } : {}),
              ...(trace.traceFlags !== 0 ? { trace_id: trace.traceId, span_id: trace.spanId } : {}),
              method: req.method,
              path,
              status: res.statusCode,
              ms: Math.round(ms * 10) / 10,
              ...(res.writableFinished ? {} : { aborted: true }),
            };
            if (res.statusCode >= 500) logger.warn(line, 'request failed');
            else if (QUIET.some((p) => req.path.startsWith(p))) logger.debug(line, 'request');
            else logger.info(line, 'request');
            resolve();
          });
          next();
        }),
    );
  };
}
