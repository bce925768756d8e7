export { runMigrations, type MigrationReport } from './migrate';
export { createPool, type PoolOptions } from './pool';
export { withTransaction, type TransactionOptions } from './transaction';
export {
  OutageLog,
  connectionProblem,
  isConnectionError,
  endpointOf,
  type OutageLogger,
  type OutageLogOptions,
} from './outage-log';
