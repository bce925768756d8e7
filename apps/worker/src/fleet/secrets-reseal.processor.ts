import type { JobOn, QUEUES } from '@flotilla/contracts';
import { repositoryCredentialContext } from '@flotilla/git';
import { notificationSecretContext } from '@flotilla/notifications';
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

/** One table of sealed secrets: how to page through it, update a row, and name a row. */
interface SealedTable {
  /** A page of rows not under `keyId` after the cursor `after` (a row's `cursor`). */
  select: string;
  update: string;
  what: string;
}

interface SealedRow {
  cursor: string;
  sealed: string;
  /** The row's key as the UPDATE's first parameters. */
  key: string[];
  context: string;
  label: string;
}

const TABLES: { table: SealedTable; row: (r: Record<string, string>) => SealedRow }[] = [
  {
    table: {
      select: `SELECT cluster_id, sealed, cluster_id AS cursor FROM cluster_kubeconfigs
               WHERE key_id <> $1 AND cluster_id > $2 ORDER BY cluster_id LIMIT $3`,
      update: `UPDATE cluster_kubeconfigs SET sealed = $3, key_id = $4, updated_at = now()
               WHERE cluster_id = $1 AND sealed = $2`,
      what: 'kubeconfig',
    },
    row: (r) => ({
      cursor: r.cursor!,
      sealed: r.sealed!,
      key: [r.cluster_id!],
      context: kubeconfigContext(r.cluster_id!),
      label: r.cluster_id!,
    }),
  },
  {
    // The cursor is tenant and URL key joined by U+0001, which neither contains; ordered as text.
    table: {
      select: `SELECT tenant, url_key, sealed, tenant || chr(1) || url_key AS cursor
               FROM repository_credentials
               WHERE key_id <> $1 AND tenant || chr(1) || url_key > $2 COLLATE "C"
               ORDER BY tenant || chr(1) || url_key COLLATE "C" LIMIT $3`,
      update: `UPDATE repository_credentials SET sealed = $4, key_id = $5, updated_at = now()
               WHERE tenant = $1 AND url_key = $2 AND sealed = $3`,
      what: 'repository credential',
    },
    row: (r) => ({
      cursor: r.cursor!,
      sealed: r.sealed!,
      key: [r.tenant!, r.url_key!],
      context: repositoryCredentialContext(r.tenant!, r.url_key!),
      label: `repository/${r.tenant}/${r.url_key}`,
    }),
  },
  {
    table: {
      select: `SELECT rule_id::text AS rule_id, sealed, rule_id::text AS cursor
               FROM notification_secrets
               WHERE key_id <> $1 AND rule_id::text > $2 ORDER BY rule_id::text LIMIT $3`,
      update: `UPDATE notification_secrets SET sealed = $3, key_id = $4, updated_at = now()
               WHERE rule_id = $1::uuid AND sealed = $2`,
      what: 'notification secret',
    },
    row: (r) => ({
      cursor: r.cursor!,
      sealed: r.sealed!,
      key: [r.rule_id!],
      context: notificationSecretContext(r.rule_id!),
      label: `notification-rule/${r.rule_id}`,
    }),
  },
];

/**
 * The `secrets-reseal` job: re-encrypts every stored secret (kubeconfigs, repository
 * credentials, notification signing secrets) not sealed with the active key, so the old key can be dropped from `SECRETS_KEYS`
 * once a pass reports nothing left. Runs only on a worker whose active key is the job's: during a
 * rolling deploy, workers still on the old keys must not seal back with the old key. A row the hub
 * replaced meanwhile is left to it (the update matches the envelope it read); a row no configured
 * key opens is reported (cluster id, or `repository/<tenant>/<url>`), not fatal.
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
    for (const { table, row: toRow } of TABLES) {
      let after = '';
      for (;;) {
        const { rows } = await deps.pool.query<Record<string, string>>(table.select, [
          keyId,
          after,
          PAGE,
        ]);
        if (rows.length === 0) break;
        for (const raw of rows) {
          const row = toRow(raw);
          after = row.cursor;
          let sealed: string;
          try {
            if (!deps.box.needsReseal(row.sealed)) continue;
            sealed = deps.box.reseal(row.sealed, row.context);
          } catch (error) {
            failed.push(row.label);
            deps.logger.error(
              { secret: row.label, err: (error as Error).message },
              `cannot re-seal a ${table.what}; it stays under its old key`,
            );
            continue;
          }
          const updated = await deps.pool.query(table.update, [
            ...row.key,
            row.sealed,
            sealed,
            keyId,
          ]);
          resealed += updated.rowCount ?? 0;
        }
      }
    }
    deps.logger.info({ keyId, resealed, failed: failed.length }, 'secrets re-sealed');
    return { outcome: 'done', keyId, resealed, failed };
  };
}
