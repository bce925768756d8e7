import type { JobOn, ProbeFailureReason, QUEUES } from '@flotilla/contracts';
import type { ClusterFacts } from '@flotilla/domain';
import { loadKubeConfig, readClusterFacts } from '@flotilla/kube';
import {
  ClusterDirectory,
  type ClusterInventory,
  type HeartbeatStore,
  type ProbeErrors,
} from '@flotilla/inventory';
import { SecretsError, type SecretBox } from '@flotilla/secrets';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { kubeconfigContext } from './secrets-reseal.processor';

/** What one probe found (a failure is a result, not a thrown error: see below). */
export type KubeconfigProbeResult =
  | { clusterId: string; outcome: 'ok'; changed: boolean }
  | { clusterId: string; outcome: 'failed'; reason: ProbeFailureReason }
  | { clusterId: string; outcome: 'skipped'; reason: string };

export interface KubeconfigProbeDeps {
  pool: Pool;
  inventory: ClusterInventory;
  heartbeats: HeartbeatStore;
  probeErrors: ProbeErrors;
  box: SecretBox;
  now: () => Date;
  logger: Logger;
  /** How long an API server may take to answer before the probe counts as failed. */
  timeoutMs: number;
}

class ProbeFailure extends Error {
  constructor(
    readonly reason: ProbeFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The `kubeconfig-probe` job: a kubeconfig cluster's heartbeat. Opens the sealed kubeconfig,
 * reads the facts, records a heartbeat, and appends `ReportHeartbeat` only when the facts or the
 * connectivity change (as the agent protocol does). A cluster that cannot be reached is not a job
 * failure: no heartbeat is recorded (so the sweep turns it Stale, then Offline) and the reason is
 * kept in the probe-error hash for the API; retrying would only repeat the next round's work.
 */
export function kubeconfigProbeProcessor(
  deps: KubeconfigProbeDeps,
): (
  job: Job<Extract<JobOn<typeof QUEUES.clusterProbes>, { type: 'kubeconfig-probe' }>>,
) => Promise<KubeconfigProbeResult> {
  return async (job) => {
    const { clusterId } = job.data;
    const { state } = await deps.inventory.load(clusterId);
    if (state.status !== 'registered' || state.mode !== 'kubeconfig') {
      return { clusterId, outcome: 'skipped', reason: `cluster is ${state.status}` };
    }
    let facts: ClusterFacts;
    try {
      facts = await readFacts(deps, clusterId);
    } catch (error) {
      if (!(error instanceof ProbeFailure)) throw error;
      await deps.probeErrors.record(clusterId, {
        reason: error.reason,
        message: error.message,
        at: deps.now().toISOString(),
      });
      deps.logger.warn(
        { clusterId, reason: error.reason, err: error.message },
        'kubeconfig probe failed',
      );
      return { clusterId, outcome: 'failed', reason: error.reason };
    }
    const at = deps.now();
    await deps.heartbeats.record(clusterId, { state: 'Running', at: at.getTime() });
    await deps.probeErrors.clear(clusterId);
    if (!ClusterDirectory.heartbeatChanges(state, facts)) {
      return { clusterId, outcome: 'ok', changed: false };
    }
    const result = await deps.inventory.execute(
      clusterId,
      { type: 'ReportHeartbeat', data: { facts } },
      { actor: 'system:kubeconfig-probe' },
    );
    for (const event of result.events) {
      deps.logger.info(
        { clusterId, event: event.type, data: event.data },
        'kubeconfig cluster changed',
      );
    }
    return { clusterId, outcome: 'ok', changed: result.events.length > 0 };
  };
}

async function readFacts(deps: KubeconfigProbeDeps, clusterId: string): Promise<ClusterFacts> {
  const { rows } = await deps.pool.query<{ sealed: string }>(
    'SELECT sealed FROM cluster_kubeconfigs WHERE cluster_id = $1',
    [clusterId],
  );
  const sealed = rows[0]?.sealed;
  if (sealed === undefined) {
    throw new ProbeFailure('KubeconfigMissing', 'no kubeconfig is stored for this cluster');
  }
  let text: string;
  try {
    text = deps.box.open(sealed, kubeconfigContext(clusterId));
  } catch (error) {
    if (!(error instanceof SecretsError)) throw error;
    throw new ProbeFailure('KubeconfigUnreadable', error.message);
  }
  let kubeconfig: ReturnType<typeof loadKubeConfig>;
  try {
    kubeconfig = loadKubeConfig(text);
  } catch (error) {
    throw new ProbeFailure('KubeconfigInvalid', `not a usable kubeconfig: ${message(error)}`);
  }
  // The client has no deadline of its own: a server that accepts and never answers must not
  // hold the probe (and its slot on the queue) until the next round.
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      readClusterFacts(kubeconfig, 'push'),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${deps.timeoutMs} ms`)),
          deps.timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    throw new ProbeFailure('ClusterUnreachable', message(error));
  } finally {
    clearTimeout(timer);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
