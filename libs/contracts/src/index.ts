export * from './agent-protocol';
export * from './jobs';
