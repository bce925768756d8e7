export { runMigrations, type MigrationReport } from './migrate';
export { createPool, type PoolOptions } from './pool';
export { withTransaction, type TransactionOptions } from './transaction';
