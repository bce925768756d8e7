import { trace } from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

/**
 * The ids of the work in progress, carried through every `await` of it: an HTTP request's id
 * (which the hub also writes into the events it appends as `requestId` and `correlationId`), or
 * a job's queue and id (the worker's events name the job as their correlation id).
 */
export interface LogContext {
  requestId?: string;
  correlationId?: string;
  queue?: string;
  jobId?: string;
  /** A GraphQL request's operation (`mutation createApplicationSet`), once parsed. */
  operation?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `context` added to the current one: every log line inside carries its ids. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

/** The ids of the work in progress, if any. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/**
 * Every log line's ids: the work's (request or job) and, when traces are on, the active span's
 * `trace_id` and `span_id`, so a log line leads to its trace and its events.
 */
export function logIds(): Record<string, string> {
  const ids: Record<string, string> = {};
  const context = storage.getStore();
  if (context) for (const [k, v] of Object.entries(context)) if (v) ids[k] = v;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && span.traceFlags !== 0) {
    ids['trace_id'] = span.traceId;
    ids['span_id'] = span.spanId;
  }
  return ids;
}

/**
 * The process's structured JSON logger (pino): one JSON object per line, `app` naming the
 * process, and the ids of the request or job in progress on every line (see {@link logIds}).
 */
export function createLogger(
  app: string,
  level: string,
  destination?: pino.DestinationStream,
): Logger {
  const options = { name: app, level, base: { app, pid: process.pid }, mixin: logIds };
  // Synchronous stdout by default: the last lines before an exit are never lost.
  return destination ? pino(options, destination) : pino(options);
}
