import { migrations } from '../../../migrations';
import { adminQuery, serverUrl } from '@flotilla/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runMigrations } from './migrate';

describe('the bundle_objects migration', () => {
  const name = `flotilla_t_bundle_objects_${randomBytes(4).toString('hex')}`;
  const url = `${serverUrl()}/${name}`;
  beforeAll(() => adminQuery(`CREATE DATABASE ${name}`));
  afterAll(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  it('backfills one row per object of the bundles stored before it', async () => {
    // The schema as it was just before: bundles, but no bundle_objects.
    const before = migrations.findIndex((m) => m.name === 'BundleObjects1764800000000');
    expect(before).toBeGreaterThan(0);
    const old = new DataSource({
      type: 'postgres',
      url,
      migrations: migrations.slice(0, before),
      migrationsTableName: 'migrations',
      logging: false,
    });
    await old.initialize();
    await old.runMigrations({ transaction: 'each' });
    await old.destroy();

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const bundle = (id: string, manifests: unknown[]) =>
        client.query(
          `INSERT INTO bundles (id, manifests, object_count, size_bytes) VALUES ($1, $2, $3, 1)`,
          [id.repeat(64), JSON.stringify(manifests), manifests.length],
        );
      await bundle('a', [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'other' } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'reader' },
        },
      ]);
      await bundle('b', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }]);
      await bundle('c', []);

      const { applied } = await runMigrations(url);
      expect(applied).toEqual(migrations.slice(before).map((m) => m.name));
      const { rows } = await client.query(
        `SELECT left(bundle_id, 1) AS bundle, ordinal, "group", version, kind, name, own_namespace
           FROM bundle_objects ORDER BY bundle_id, ordinal`,
      );
      expect(rows).toEqual([
        {
          bundle: 'a',
          ordinal: 1,
          group: '',
          version: 'v1',
          kind: 'ConfigMap',
          name: 'cfg',
          own_namespace: 'other',
        },
        {
          bundle: 'a',
          ordinal: 2,
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          name: 'web',
          own_namespace: null,
        },
        {
          bundle: 'a',
          ordinal: 3,
          group: 'rbac.authorization.k8s.io',
          version: 'v1',
          kind: 'ClusterRole',
          name: 'reader',
          own_namespace: null,
        },
        {
          bundle: 'b',
          ordinal: 1,
          group: '',
          version: 'v1',
          kind: 'Namespace',
          name: 'web',
          own_namespace: null,
        },
      ]);
    } finally {
      await client.end();
    }
  });
});
