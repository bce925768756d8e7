import { agentConfigSchema, loadConfigOrExit, type AgentConfig } from '@flotilla/config';
import { KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createLogger } from '@flotilla/tracing';
import type { CredentialStore } from './credential.store';
import { fileCredentialStore } from './file-credential.store';
import { secretCredentialStore } from './secret-credential.store';
import { AgentMetrics } from './agent-metrics';
import { startAgent } from './start-agent';

/**
 * Delivery settings. They belong in agentConfigSchema (libs/config); until they move there,
 * they are parsed here, through the same loader, so a bad value is reported the same way.
 */

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** Exits 1 with one line naming the variable, as loadConfigOrExit does. */
function configProblem(variable: string, message: string): never {
  process.stderr.write(`agent: configuration: ${variable} ${message}\n`);
  process.exit(1);
}

function kubeConfigOf(config: AgentConfig): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (config.KUBECONFIG) kc.loadFromFile(config.KUBECONFIG);
    else kc.loadFromCluster();
  } catch (error) {
    configProblem('KUBECONFIG', `cannot be loaded: ${(error as Error).message}`);
  }
  return kc;
}

function storeOf(config: AgentConfig, kc: KubeConfig): CredentialStore {
  if (config.FLOTILLA_CREDENTIAL_STORE === 'file')
    return fileCredentialStore(config.FLOTILLA_CREDENTIAL_FILE ?? '');
  let namespace = config.FLOTILLA_NAMESPACE;
  if (!namespace) {
    try {
      namespace = readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
    } catch {
      configProblem(
        'FLOTILLA_NAMESPACE',
        `is required outside a pod (${SERVICE_ACCOUNT_NAMESPACE} is missing)`,
      );
    }
  }
  return secretCredentialStore(kc, namespace, config.FLOTILLA_CREDENTIAL_SECRET);
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('agent', agentConfigSchema);
  const logger = createLogger('agent', config.LOG_LEVEL);
  const kubeConfig = kubeConfigOf(config);
  const tokenFile = config.FLOTILLA_REGISTRATION_TOKEN_FILE;
  const metrics = new AgentMetrics();
  const metricsServer = await metrics.serve(config).catch((error: Error) => {
    process.stderr.write(
      `agent: cannot serve /metrics on ${config.METRICS_HOST}:${config.METRICS_PORT}: ${error.message}\n`,
    );
    process.exit(1);
  });
  const agent = startAgent({
    hubUrl: config.FLOTILLA_HUB_URL,
    clusterName: config.FLOTILLA_CLUSTER_NAME,
    labels: config.FLOTILLA_CLUSTER_LABELS,
    // Read when needed: a mounted Secret may appear or change after start-up.
    registrationToken: async () =>
      tokenFile ? (await readFile(tokenFile, 'utf8')).trim() : config.FLOTILLA_REGISTRATION_TOKEN,
    kubeConfig,
    store: storeOf(config, kubeConfig),
    logger,
    driftIntervalSeconds: config.DRIFT_INTERVAL_SECONDS,
    metrics,
  });
  logger.info(
    {
      hub: config.FLOTILLA_HUB_URL,
      cluster: config.FLOTILLA_CLUSTER_NAME,
      ...(metricsServer ? { metrics: `${metricsServer.url}/metrics` } : {}),
    },
    'agent started',
  );
  // SIGTERM: the long-poll ends at once; an apply or status report in progress finishes (its
  // calls are short), then the agent exits 0 — or 1 after SHUTDOWN_TIMEOUT_SECONDS.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'agent stopping: finishing the apply or report in progress');
    setTimeout(() => {
      logger.error(
        { timeoutSeconds: config.SHUTDOWN_TIMEOUT_SECONDS },
        'agent did not stop within SHUTDOWN_TIMEOUT_SECONDS; exiting (the next start applies and reports again)',
      );
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000).unref();
    Promise.all([agent.stop(), metricsServer?.close()]).then(
      () => {
        logger.info('agent stopped');
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
