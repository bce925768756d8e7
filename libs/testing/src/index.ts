export {
  createTestDatabase,
  adminQuery,
  serverUrl,
  TEMPLATE_DATABASE,
  type TestDatabase,
} from './test-database';
export { eventually } from './eventually';
export { freePort } from './free-port';
