import { DataSource } from 'typeorm';
import { migrations } from '../../../migrations';

/** Advisory lock key held while migrating, so two hubs starting at once never both migrate. */
const MIGRATION_LOCK_KEY = 0x466c6f74; // "Flot"

export interface MigrationReport {
  applied: string[];
}

/**
 * Applies pending TypeORM migrations under a Postgres advisory lock. A second process waits for
 * the first to finish and then finds nothing left to do.
 */
export async function runMigrations(
  databaseUrl: string,
  log: (line: string) => void = () => undefined,
): Promise<MigrationReport> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    logging: false,
    // One connection holds the advisory lock, the other runs the migrations.
    extra: { max: 2, application_name: 'flotilla-migrate' },
  });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const m of applied) log(`migrated: ${m.name}`);
      return { applied: applied.map((m) => m.name) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}
