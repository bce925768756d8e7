import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { inSpan } from '@flotilla/tracing';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { runJob, testWorkerConfig } from './testing/worker-fixture';
import { createWorker, type RunningWorker } from './worker';

describe('worker traces', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('worker_tracing_off');
  });
  afterAll(() => db.drop());

  it('are off by default: a job added inside a span records nothing', async () => {
    const spans = new InMemorySpanExporter();
    const plain = await createWorker(testWorkerConfig(db.url), { spanExporter: spans });
    try {
      const traceId = await inSpan('test.request', {}, async (span) => {
        await runJob(plain, { type: 'appset-resync' }, 'untraced-resync');
        return span.spanContext().traceId;
      });
      expect(traceId).toBe('00000000000000000000000000000000'); // the no-op span's
    } finally {
      await plain.stop();
    }
    expect(spans.getFinishedSpans()).toHaveLength(0);
  });
});

describe('worker traces: a job continues the trace it was added in', () => {
  let db: TestDatabase;
  let worker: RunningWorker;
  const spans = new InMemorySpanExporter();

  beforeAll(async () => {
    db = await createTestDatabase('worker_tracing');
    worker = await createWorker(testWorkerConfig(db.url, { TRACING_ENABLED: 'true' }), {
      spanExporter: spans,
    });
  });
  afterAll(async () => {
    await worker.stop();
    await db.drop();
  });

  it('adding a job inside a span links its processing to that span', async () => {
    const traceId = await inSpan('test.request', {}, async (span) => {
      await runJob(worker, { type: 'appset-resync' }, 'traced-resync');
      return span.spanContext().traceId;
    });
    const mine = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const names = mine.map((s) => s.name);
    // bullmq-otel: the add (producer) and the processing (consumer), both in the request's trace.
    expect(names.some((n) => /^add /.test(n))).toBe(true);
    expect(names.some((n) => /^process /.test(n))).toBe(true);
    expect(new Set(mine.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
  });
});
