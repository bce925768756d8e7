import { migrations } from '../../../migrations';
import { adminQuery, serverUrl } from '@flotilla/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from './migrate';

describe('runMigrations', () => {
  const name = `flotilla_t_migrate_${randomBytes(4).toString('hex')}`;
  const url = `${serverUrl()}/${name}`;
  beforeAll(() => adminQuery(`CREATE DATABASE ${name}`));
  afterAll(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  it('lets two hubs starting at once migrate an empty database exactly once', async () => {
    const [a, b, c] = await Promise.all([
      runMigrations(url),
      runMigrations(url),
      runMigrations(url),
    ]);
    const applied = [a, b, c].map((r) => r.applied.length).sort();
    // One process applied every migration; the others found none left.
    expect(applied).toEqual([0, 0, migrations.length]);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM migrations');
      expect(rows.map((r) => r.name)).toEqual(
        a.applied.length ? a.applied : b.applied.length ? b.applied : c.applied,
      );
      const events = await client.query(`SELECT to_regclass('events') AS t`);
      expect(events.rows[0].t).toBe('events');
    } finally {
      await client.end();
    }
  });
});
