import { OutageLog, connectionProblem, endpointOf } from './outage-log';

function recorder() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  return {
    lines,
    logger: {
      warn: (fields: Record<string, unknown>, message: string) =>
        lines.push({ level: 'warn', message, fields }),
      info: (fields: Record<string, unknown>, message: string) =>
        lines.push({ level: 'info', message, fields }),
    },
  };
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
  code: 'ECONNREFUSED',
});

describe('OutageLog', () => {
  it('says what is wrong and what to do once, repeats only after the interval, and logs the recovery', () => {
    let now = 0;
    const { lines, logger } = recorder();
    const log = new OutageLog(logger, {
      service: 'Postgres',
      url: 'postgres://user:secret@db.internal:5433/flotilla',
      advice: 'retrying every 1s',
      repeatEveryMs: 30_000,
      now: () => now,
    });
    log.failed(refused);
    for (let i = 0; i < 100; i++) {
      now += 100;
      log.failed(refused);
    }
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'Postgres at db.internal:5433 refused the connection; retrying every 1s',
        fields: expect.objectContaining({ code: 'ECONNREFUSED', endpoint: 'db.internal:5433' }),
      },
    ]);
    now = 30_500;
    log.failed(refused);
    expect(lines[1]?.message).toBe(
      'Postgres at db.internal:5433 still unavailable after 31s (102 failures); retrying every 1s',
    );
    log.recovered();
    log.recovered();
    expect(lines.slice(2)).toEqual([
      {
        level: 'info',
        message: 'Postgres at db.internal:5433 is reachable again after 31s',
        fields: expect.objectContaining({ failures: 102 }),
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(log.isDown).toBe(false);
  });

  it.each([
    [refused, 'refused the connection'],
    [Object.assign(new Error('x'), { code: 'ENOTFOUND' }), 'has a host name that does not resolve'],
    [new Error('Connection terminated unexpectedly'), 'closed the connection'],
    [Object.assign(new Error('terminating'), { code: '57P01' }), 'is shutting down or starting up'],
    [new Error('something else'), 'failed: something else'],
  ])('describes %p as "%s"', (error, words) => {
    expect(connectionProblem(error)).toBe(words);
  });

  it.each([
    ['redis://127.0.0.1', '127.0.0.1:6379'],
    ['postgres://postgres@127.0.0.1/db', '127.0.0.1:5432'],
    ['rediss://:pw@cache:7000/0', 'cache:7000'],
  ])('names %s as %s', (url, endpoint) => {
    expect(endpointOf(url)).toBe(endpoint);
  });
});
