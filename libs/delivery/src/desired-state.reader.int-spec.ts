import { createPool } from '@flotilla/database';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { CLUSTER_DESIRED_TABLE, DELIVERIES_TABLE } from '@flotilla/projections';
import type { Pool } from 'pg';
import { DesiredStateReader, EMPTY_REVISION } from './desired-state.reader';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const BUNDLE = 'a'.repeat(64);
const COMMIT = 'c'.repeat(40);

describe('DesiredStateReader', () => {
  let db: TestDatabase;
  let pool: Pool;
  let reader: DesiredStateReader;

  beforeAll(async () => {
    db = await createTestDatabase('delivery_desired');
    pool = createPool(db.url, { max: 2 });
    reader = new DesiredStateReader(pool);
    // The preamble's columns that the reader uses (the projection owns the full table).
    await pool.query(`CREATE TABLE IF NOT EXISTS ${DELIVERIES_TABLE} (
      application_id uuid NOT NULL, cluster_id text NOT NULL, name text NOT NULL,
      namespace text NOT NULL DEFAULT '', prune boolean NOT NULL DEFAULT false,
      self_heal boolean NOT NULL DEFAULT false, bundle_id text, commit text,
      deleted boolean NOT NULL DEFAULT false, preserve_resources boolean NOT NULL DEFAULT false,
      PRIMARY KEY (application_id, cluster_id))`);
    await pool.query(`CREATE TABLE IF NOT EXISTS ${CLUSTER_DESIRED_TABLE} (
      cluster_id text PRIMARY KEY, revision text NOT NULL, changed_at timestamptz NOT NULL)`);
    await pool.query(
      `INSERT INTO ${DELIVERIES_TABLE}
         (application_id, cluster_id, name, namespace, prune, self_heal, bundle_id, commit,
          deleted, preserve_resources)
       VALUES ($1, 'c1', 'web', 'web', true, false, $4, $5, false, false),
              ($2, 'c1', 'old', 'old', false, false, $4, $5, true, true),
              ($3, 'c1', 'pending', 'p', false, false, NULL, NULL, false, false),
              ($1, 'c2', 'web', 'web', true, false, $4, $5, true, false)`,
      [A, B, C, BUNDLE, COMMIT],
    );
    await pool.query(`INSERT INTO ${CLUSTER_DESIRED_TABLE} VALUES ('c1', 'rev1', now())`);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('serves applications with a bundle and tombstones as removals', async () => {
    expect(await reader.read('c1')).toEqual({
      clusterId: 'c1',
      revision: 'rev1',
      applications: [
        {
          id: A,
          name: 'web',
          namespace: 'web',
          bundleId: BUNDLE,
          commit: COMMIT,
          prune: true,
          selfHeal: false,
        },
      ],
      removals: [{ id: B, preserveResources: true }],
    });
  });

  it('answers the empty revision for a cluster without desired state', async () => {
    expect(await reader.read('nobody')).toEqual({
      clusterId: 'nobody',
      revision: EMPTY_REVISION,
      applications: [],
      removals: [],
    });
    expect(await reader.revision('nobody')).toBe(EMPTY_REVISION);
  });

  it('serves a bundle only to a cluster whose current Application runs it, as the wire JSON', async () => {
    const manifests = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }];
    await pool.query(
      `INSERT INTO bundles (id, manifests, object_count, size_bytes) VALUES ($1, $2, 1, 10)
       ON CONFLICT DO NOTHING`,
      [BUNDLE, JSON.stringify(manifests)],
    );
    expect(JSON.parse((await reader.bundleJson('c1', BUNDLE)) ?? 'null')).toEqual({
      id: BUNDLE,
      objectCount: 1,
      manifests,
    });
    expect(await reader.bundleJson('c2', BUNDLE)).toBeUndefined(); // only a tombstone there
    expect(await reader.bundleJson('c3', BUNDLE)).toBeUndefined();
    expect(await reader.bundleJson('c1', 'b'.repeat(64))).toBeUndefined();
  });
});
