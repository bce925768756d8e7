export * from './agent-protocol';
