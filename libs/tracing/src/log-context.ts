import { trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

/**
 * The active span's ids for a log line (`trace_id`, `span_id`), when traces are on and a span is
 * active, so a log line leads to its trace. Request and job ids are written by the code that
 * knows them (the hub's access line, the worker's job lines) rather than carried implicitly:
 * an AsyncLocalStorage for them would turn on Node's promise hooks for the whole process, which
 * costs every await (measured: the ApplicationSet benchmark's label change slowed about 2×).
 */
export function logIds(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || span.traceFlags === 0) return {};
  return { trace_id: span.traceId, span_id: span.spanId };
}

/**
 * The process's structured JSON logger (pino): one JSON object per line, `app` naming the
 * process, and the active trace's ids (see {@link logIds}).
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
