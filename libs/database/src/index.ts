export { runMigrations, type MigrationReport } from './migrate';
export { createPool, type PoolOptions } from './pool';
