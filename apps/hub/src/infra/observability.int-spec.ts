import { createPool } from '@flotilla/database';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { createLogger } from '@flotilla/tracing';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Writable } from 'node:stream';
import type { Pool } from 'pg';
import { PLATFORM_ADMINS } from '../auth/principal';
import { signToken, startTestHub, type TestHub } from '../testing/test-hub';

const CREATE = `mutation CreateTeam($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }`;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('hub logs and traces: one request, one id, from the log line to its events', () => {
  let db: TestDatabase;
  let pool: Pool;
  let hub: TestHub;
  let root: string;
  const lines: Record<string, unknown>[] = [];
  const spans = new InMemorySpanExporter();

  beforeAll(async () => {
    db = await createTestDatabase('observability');
    pool = createPool(db.url, { max: 2 });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    hub = await startTestHub(
      db.url,
      { TRACING_ENABLED: 'true' },
      { logger: createLogger('hub', 'info', sink), spanExporter: spans },
    );
    root = await signToken({ sub: 'root', groups: [PLATFORM_ADMINS] });
  });
  afterAll(async () => {
    await hub.close();
    await pool.end();
    await db.drop();
  });

  it("a mutation's log lines, events and spans carry the caller's request id and trace", async () => {
    const res = await hub.graphql(
      CREATE,
      { spec: { name: 'obs-team', sourceRepos: ['https://github.com/obs/*'] } },
      root,
      { 'x-request-id': 'req-obs-1', traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.headers.get('x-request-id')).toBe('req-obs-1');

    // The events it appended name the request.
    const { rows } = await pool.query<{ metadata: Record<string, unknown> }>(
      `SELECT metadata FROM events WHERE stream_id = 'tenant-obs-team'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.metadata).toMatchObject({
      requestId: 'req-obs-1',
      correlationId: 'req-obs-1',
      actor: 'root',
    });

    // Its access log line: JSON, the same ids, the operation, the caller's trace.
    const line = lines.find((l) => l['msg'] === 'request' && l['requestId'] === 'req-obs-1');
    expect(line).toMatchObject({
      app: 'hub',
      method: 'POST',
      path: '/graphql',
      status: 200,
      correlationId: 'req-obs-1',
      operation: 'mutation CreateTeam',
      trace_id: TRACE_ID,
    });

    // Its spans: the request (joined to the caller's trace, named by the operation) and the
    // event-store append under it.
    const finished = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID);
    const server = finished.find((s) => s.name === 'graphql mutation CreateTeam');
    expect(server?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    const append = finished.find((s) => s.name === 'eventstore.append');
    expect(append?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(append?.attributes['flotilla.stream']).toBe('tenant-obs-team');
  });

  it('a request without ids gets a fresh one in its header, log line and a new trace', async () => {
    const res = await hub.graphql('{ tenants { totalCount } }', {}, root);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = lines.find((l) => l['requestId'] === id);
    expect(line).toMatchObject({ msg: 'request', operation: 'query tenants', status: 200 });
    expect(line?.['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(line?.['trace_id']).not.toBe(TRACE_ID);
  });

  it('a request id that is not one (spaces, too long) is replaced, never echoed', async () => {
    const res = await hub.graphql('{ tenants { totalCount } }', {}, root, {
      'x-request-id': 'bad id\twith spaces',
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
