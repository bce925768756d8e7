export { createLogger, logIds } from './log-context';
export {
  inServerSpan,
  inSpan,
  queueTelemetry,
  SpanKind,
  startTracing,
  traceHeaders,
  tracer,
  tracingOn,
  type Span,
  type SpanExporter,
  type Tracing,
  type TracingSettings,
} from './tracing';
