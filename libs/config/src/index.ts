export { ConfigError, loadConfigOrExit, parseConfig, type ConfigProblem } from './parse-config';
export {
  agentConfigSchema,
  hubConfigSchema,
  workerConfigSchema,
  type AgentConfig,
  type HubConfig,
  type WorkerConfig,
} from './schemas';
