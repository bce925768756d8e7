import { createPool } from '@flotilla/database';
import { hashToken } from '@flotilla/domain';
import { EventStore } from '@flotilla/event-store';
import { clusterStream, flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ClusterDirectory } from './cluster-directory';

const FACTS = {
  kubernetesVersion: 'v1.30.1',
  nodeCount: 3,
  allocatableCpuMillicores: 4_000,
  allocatableMemoryBytes: 8 * 1024 ** 3,
  agentVersion: '0.1.0',
};

describe('cluster directory on a replica that did not issue the credential', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let directory: ClusterDirectory;
  const now = new Date();

  beforeAll(async () => {
    db = await createTestDatabase('cluster-directory');
    pool = createPool(db.url, { max: 4 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    // No notifier: this replica hears of new events only by polling (once a second).
    directory = new ClusterDirectory(pool, store, null);
    await directory.start();
  });
  afterAll(async () => {
    await directory.stop();
    await pool.end();
    await db.drop();
  });

  it('opens a cluster registered elsewhere a moment ago, and still refuses an unknown credential', async () => {
    const id = randomUUID();
    const credential = `flt_cls_${randomUUID()}`;
    await store.append(
      clusterStream(id),
      'no_stream',
      [
        {
          type: 'ClusterRegistered',
          data: {
            tenant: 'team-a',
            name: 'eu-1',
            mode: 'agent',
            labels: {},
            facts: FACTS,
            credentialHash: hashToken(credential),
            credentialExpiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
          },
        },
      ],
      { actor: 'agent:eu-1', tenantId: 'team-a' },
    );
    // The in-memory answer alone would be a 401 until the next poll...
    expect(directory.authenticate(hashToken(credential), now)).toBeUndefined();
    // ...the current one reads the log first.
    expect(await directory.authenticateCurrent(hashToken(credential), now)).toMatchObject({
      clusterId: id,
      state: { name: 'eu-1', status: 'registered' },
    });
    expect(await directory.authenticateCurrent(hashToken('flt_cls_unknown'), now)).toBeUndefined();
  });
});
