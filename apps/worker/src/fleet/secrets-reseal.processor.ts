import type { JobOn, QUEUES } from '@flotilla/contracts';
import { SecretBox } from '@flotilla/secrets';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';

/** What a re-seal pass did. */
export type SecretsResealResult =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'done'; keyId: string; resealed: number; failed: string[] };

export interface SecretsResealDeps {
  pool: Pool;
  box: SecretBox;
  logger: Logger;
}

const PAGE = 200;

/** The context a cluster's kubeconfig is sealed for (see migrations: cluster_kubeconfigs). */
export const kubeconfigContext = (clusterId: string) => `cluster/${clusterId}/kubeconfig`;

/**
 * The `secrets-reseal` job: re-encrypts every stored kubeconfig not sealed with the active key,
 * so the old key can be dropped from `SECRETS_KEYS` once a pass reports nothing left. Runs only
 * on a worker whose active key is the job's: during a rolling deploy, workers still on the old
 * keys must not seal back with the old key. A row the hub replaced meanwhile is left to it (the
 * update matches the envelope it read); a row no configured key opens is reported, not fatal.
 */
export function secretsResealProcessor(
  deps: SecretsResealDeps,
): (
  job: Job<Extract<JobOn<typeof QUEUES.fleetUpkeep>, { type: 'secrets-reseal' }>>,
) => Promise<SecretsResealResult> {
  return async (job) => {
    const keyId = deps.box.activeKeyId;
    if (keyId !== job.data.keyId) {
      return { outcome: 'skipped', reason: `this worker seals with ${keyId ?? 'no key'}` };
    }
    let resealed = 0;
    const failed: string[] = [];
    let after = '';
    for (;;) {
      const { rows } = await deps.pool.query<{ cluster_id: string; sealed: string }>(
        `SELECT cluster_id, sealed FROM cluster_kubeconfigs
         WHERE key_id <> $1 AND cluster_id > $2 ORDER BY cluster_id LIMIT $3`,
        [keyId, after, PAGE],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.cluster_id;
      for (const row of rows) {
        let sealed: string;
        try {
          if (!deps.box.needsReseal(row.sealed)) continue;
          sealed = deps.box.reseal(row.sealed, kubeconfigContext(row.cluster_id));
        } catch (error) {
          failed.push(row.cluster_id);
          deps.logger.error(
            { clusterId: row.cluster_id, err: (error as Error).message },
            'cannot re-seal a kubeconfig; it stays under its old key',
          );
          continue;
        }
        const updated = await deps.pool.query(
          `UPDATE cluster_kubeconfigs SET sealed = $3, key_id = $4, updated_at = now()
           WHERE cluster_id = $1 AND sealed = $2`,
          [row.cluster_id, row.sealed, sealed, keyId],
        );
        resealed += updated.rowCount ?? 0;
      }
    }
    deps.logger.info({ keyId, resealed, failed: failed.length }, 'kubeconfigs re-sealed');
    return { outcome: 'done', keyId, resealed, failed };
  };
}
