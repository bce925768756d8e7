import { AGENT_MAX_STATUS_BODY_BYTES, type ApplicationStatusWire } from '@flotilla/contracts';
import { BundleCache } from './bundle-cache';
import { StatusReports } from './status-reports';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const report = (n: number, over: Partial<ApplicationStatusWire> = {}): ApplicationStatusWire => ({
  id: id(n),
  commit: 'c'.repeat(40),
  bundleId: 'b'.repeat(64),
  sync: 'Synced',
  health: 'Healthy',
  message: '',
  resourceCount: 1,
  problems: [],
  drift: [],
  driftCorrected: false,
  observedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('StatusReports', () => {
  it('keeps a report only when it differs from the accepted one, observedAt aside', () => {
    const reports = new StatusReports();
    reports.offer(report(1));
    const [batch] = reports.batches('r1');
    expect(batch?.body).toEqual({ revision: 'r1', applications: [report(1)], removed: [] });
    if (batch) reports.sent(batch);
    expect(reports.waiting).toBe(false);
    reports.offer(report(1, { observedAt: '2026-01-01T00:05:00.000Z' }));
    expect(reports.waiting).toBe(false);
    reports.offer(report(1, { health: 'Degraded' }));
    expect(reports.batches('r1')[0]?.body.applications).toEqual([
      report(1, { health: 'Degraded' }),
    ]);
  });

  it('keeps the newest unsent report per Application, and forgets one that is back to accepted', () => {
    const reports = new StatusReports();
    reports.offer(report(1));
    const [first] = reports.batches(null);
    if (first) reports.sent(first);
    reports.offer(report(1, { health: 'Progressing' }));
    reports.offer(report(2));
    reports.offer(report(2, { sync: 'OutOfSync' }));
    expect(reports.batches(null)[0]?.body.applications).toEqual([
      report(1, { health: 'Progressing' }),
      report(2, { sync: 'OutOfSync' }),
    ]);
    reports.offer(report(1, { observedAt: '2026-01-02T00:00:00.000Z' }));
    expect(reports.batches(null)[0]?.body.applications).toEqual([report(2, { sync: 'OutOfSync' })]);
  });

  it('keeps a report that arrived while its older one was being sent', () => {
    const reports = new StatusReports();
    reports.offer(report(1));
    const [batch] = reports.batches(null);
    reports.offer(report(1, { health: 'Degraded' }));
    if (batch) reports.sent(batch);
    expect(reports.batches(null)[0]?.body.applications).toEqual([
      report(1, { health: 'Degraded' }),
    ]);
  });

  it('drops a refused batch, and reports removals once', () => {
    const reports = new StatusReports();
    reports.offer(report(1));
    reports.removed({
      id: id(9),
      removed: 2,
      preserved: false,
      observedAt: '2026-01-01T00:00:00Z',
    });
    const [batch] = reports.batches(null);
    expect(batch?.body.removed).toHaveLength(1);
    if (batch) reports.drop(batch);
    expect(reports.waiting).toBe(false);
  });

  it('splits what is waiting into bodies within the size limit', () => {
    const reports = new StatusReports();
    const message = 'x'.repeat(4000);
    const count = Math.ceil((AGENT_MAX_STATUS_BODY_BYTES * 2.5) / message.length);
    for (let n = 0; n < count; n++) reports.offer(report(n, { message }));
    const batches = reports.batches(null);
    expect(batches).toHaveLength(3);
    for (const b of batches)
      expect(Buffer.byteLength(JSON.stringify(b.body))).toBeLessThanOrEqual(
        AGENT_MAX_STATUS_BODY_BYTES,
      );
    expect(batches.flatMap((b) => b.body.applications)).toHaveLength(count);
  });
});

describe('BundleCache', () => {
  it('drops the least recently used bundle first', () => {
    const cache = new BundleCache(2);
    cache.set('a', []);
    cache.set('b', []);
    expect(cache.get('a')).toEqual([]);
    cache.set('c', []);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual([]);
    expect(cache.get('c')).toEqual([]);
    expect(cache.size).toBe(2);
  });
});
