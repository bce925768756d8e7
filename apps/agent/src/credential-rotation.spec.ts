import { rotationDue } from './credential-rotation';

const H = 3600_000;
const D = 24 * H;
const t0 = Date.parse('2026-01-01T00:00:00Z');
const credential = (lifetimeMs: number) => ({
  clusterId: 'c',
  credential: 'flt_cls_x',
  receivedAt: new Date(t0).toISOString(),
  credentialExpiresAt: new Date(t0 + lifetimeMs).toISOString(),
});

describe('rotationDue', () => {
  it.each([
    // lifetime, age, due: rotate when the time left < max(lifetime/5, min(24 h, lifetime/2))
    ['30 days, fresh', 30 * D, 0, false],
    ['30 days, just before 24 days', 30 * D, 24 * D - 1, false],
    ['30 days, after 24 days', 30 * D, 24 * D + 1, true],
    ['5 days: 24 h left is the bound', 5 * D, 4 * D - 1, false],
    ['5 days: under 24 h left', 5 * D, 4 * D + 1, true],
    ['1 day: half its life', D, 12 * H - 1, false],
    ['1 day: past half', D, 12 * H + 1, true],
    ['1 hour: past half', H, 31 * 60_000, true],
    ['expired', D, 2 * D, true],
  ])('%s', (_name, lifetime, age, due) => {
    expect(rotationDue(credential(lifetime), t0 + age)).toBe(due);
  });
});
