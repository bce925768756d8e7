export * from './agent-protocol';
export { agentProtocolOpenApi, printAgentProtocolOpenApi } from './agent-protocol.openapi';
export * from './jobs';
