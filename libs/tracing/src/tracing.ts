import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { BullMQOtel } from 'bullmq-otel';

/** What {@link startTracing} reads from an app's configuration. */
export interface TracingSettings {
  TRACING_ENABLED: boolean;
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
}

export interface Tracing {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

const TRACER = 'flotilla';
let provider: NodeTracerProvider | null = null;
let users = 0;

/**
 * Turns traces on for this process when `TRACING_ENABLED` (they are off by default, and then
 * every span below is OpenTelemetry's no-op: nothing recorded, nothing sent). Spans go over
 * OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` in batches; `exporter` replaces that (tests).
 * One provider per process: a second app started in the same process (tests) shares it.
 */
export function startTracing(
  service: string,
  settings: TracingSettings,
  exporter?: SpanExporter,
): Tracing {
  if (!settings.TRACING_ENABLED) return { enabled: false, shutdown: () => Promise.resolve() };
  if (!provider) {
    const endpoint = settings.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '');
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: `flotilla-${service}`,
        [ATTR_SERVICE_VERSION]: process.env['npm_package_version'] ?? '0.1.0',
      }),
      spanProcessors: [
        exporter
          ? new SimpleSpanProcessor(exporter)
          : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` })),
      ],
    });
    // The W3C traceparent propagator and the async-hooks context manager: a span started in a
    // request stays the parent of everything awaited inside it.
    provider.register();
  }
  users += 1;
  let stopped = false;
  return {
    enabled: true,
    async shutdown() {
      if (stopped) return;
      stopped = true;
      users -= 1;
      if (users > 0 || !provider) return;
      const last = provider;
      provider = null;
      await last.forceFlush();
      await last.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** The tracer every Flotilla span comes from. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER);
}

/**
 * Runs `fn` inside a new active span named `name`: its children are the spans started while it
 * runs; an error thrown marks the span failed (and is thrown on).
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `fn` as the server side of a request whose caller may have sent a `traceparent` header:
 * the span joins the caller's trace when there is one.
 */
export function inServerSpan<T>(
  name: string,
  headers: Record<string, string | string[] | undefined>,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), headers);
  return context.with(parent, () => inSpan(name, attributes, fn, SpanKind.SERVER));
}

/** The active trace as W3C headers (`traceparent`), for an outgoing call; empty when off. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

export { SpanKind, type Span, type SpanExporter };

/** True while this process records spans. */
export function tracingOn(): boolean {
  return provider !== null;
}

/**
 * BullMQ's telemetry (bullmq-otel) while traces are on, else nothing: a job added inside a span
 * carries its trace in the job's options, and the worker processing it continues that trace.
 */
export function queueTelemetry(): BullMQOtel | undefined {
  return provider ? new BullMQOtel(TRACER) : undefined;
}
