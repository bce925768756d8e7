export {
  createTestDatabase,
  adminQuery,
  serverUrl,
  TEMPLATE_DATABASE,
  type TestDatabase,
} from './test-database';
export { eventually } from './eventually';
export { freePort } from './free-port';
export {
  E2E_JWT_SECRET,
  startHubProcess,
  startWorkerProcess,
  userToken,
  type AppProcess,
  type HubProcess,
} from './app-processes';
export { createTestRepository, type TestRepository } from './test-repository';
export { startHubBalancer, type HubBalancer } from './hub-balancer';
export { announcePush } from './git-webhook';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
