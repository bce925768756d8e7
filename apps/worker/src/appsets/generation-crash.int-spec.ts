import { createPool } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import {
  createTestDatabase,
  eventually,
  startWorkerProcess,
  type AppProcess,
  type TestDatabase,
} from '@flotilla/testing';
import type { Pool } from 'pg';
import { testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';
import { AppsetFleet, manifest } from './appset.fixture';

const TENANT = 'team-k';
const CLUSTERS = 30;
const PER_CLUSTER = 100;
const TOTAL = CLUSTERS * PER_CLUSTER;

describe('ApplicationSet generation: a worker killed in the middle', () => {
  let db: TestDatabase;
  let pool: Pool;
  let fleet: AppsetFleet;
  let child: AppProcess | undefined;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('appset_crash');
    pool = createPool(db.url, { max: 4 });
    fleet = new AppsetFleet(pool, new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()));
  });
  afterAll(async () => {
    await child?.stop('SIGKILL');
    await worker?.stop();
    await pool.end();
    await db.drop();
  });

  const created = async (setId: string) => {
    const { rows } = await pool.query<{ events: string; streams: string }>(
      `SELECT count(*) AS events, count(DISTINCT stream_id) AS streams FROM events
        WHERE type = 'ApplicationCreated' AND data->>'applicationSetId' = $1`,
      [setId],
    );
    return { events: Number(rows[0]?.events), streams: Number(rows[0]?.streams) };
  };

  it('the next worker finishes the generation: every Application exactly once', async () => {
    // A short job lock: the next worker takes over the killed one's jobs after ~5 s, not 30.
    child = await startWorkerProcess(db.url, { LOG_LEVEL: 'info', JOB_LOCK_SECONDS: '5' });
    await fleet.tenant(TENANT);
    for (let i = 0; i < CLUSTERS; i++)
      await fleet.cluster(TENANT, `c${String(i).padStart(2, '0')}`, { env: 'prod' });
    const elements = Array.from({ length: PER_CLUSTER }, (_, i) => ({ app: `a${i}` }));
    const id = await fleet.createSet(
      TENANT,
      manifest('large', [{ matrix: { generators: [{ clusters: {} }, { list: { elements } }] } }]),
    );

    // Killed once some chunks are written and before all are.
    await eventually(
      async () => {
        if ((await created(id)).events < 250) throw new Error('no chunk written yet');
      },
      60_000,
      5,
    );
    await child.stop('SIGKILL');
    const atKill = await created(id);
    expect(atKill.events).toBeLessThan(TOTAL);

    worker = await createWorker(testWorkerConfig(db.url, { JOB_LOCK_SECONDS: '5' }));
    await fleet.settled(worker, 150_000);
    expect(await fleet.names(id)).toHaveLength(TOTAL);
    expect(await created(id)).toEqual({ events: TOTAL, streams: TOTAL });
    const generated = await fleet.setEvents(id, 'ApplicationSetGenerated');
    expect(generated.length).toBeGreaterThanOrEqual(1);
    expect(generated.at(-1)?.data).toMatchObject({ deleted: 0 });
    process.stdout.write(
      `appset crash: killed with ${atKill.events}/${TOTAL} Applications written; the next worker finished\n`,
    );
  }, 240_000);
});
