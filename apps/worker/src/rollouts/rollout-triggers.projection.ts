import {
  assertNever,
  rolloutIdOf,
  type ApplicationSetEvent,
  type ClusterEvent,
  type RolloutEvent,
} from '@flotilla/domain';
import type { Projection, StoredOf } from '@flotilla/event-store';
import {
  applicationSetIdOf,
  clusterIdOf,
  ROLLOUT_TARGETS_TABLE,
  ROLLOUTS_TABLE,
} from '@flotilla/projections';
import type { PoolClient } from 'pg';

type Handled =
  | Extract<ClusterEvent, { type: 'ClusterConnectivityChanged' }>
  | Extract<ApplicationSetEvent, { type: 'ApplicationSetUpdated' | 'ApplicationSetDeleted' }>
  | Extract<
      RolloutEvent,
      {
        type:
          'RolloutStarted' | 'RolloutApproved' | 'RolloutResumed' | 'RolloutSyncWindowOverridden';
      }
    >;

/**
 * `rollout_triggers`: turns the log into rollout ticks. A cluster of a rolling-out ApplicationSet
 * going Offline or coming back, an ApplicationSet changed or deleted, and a user's approval,
 * resume or override each queue a tick of that ApplicationSet (after the batch; a failed enqueue
 * throws and the batch is retried). Held renderings and status reports wake rollouts through the
 * deliveries projection's notifications instead (rolloutTriggers in rollout-jobs.ts), which come
 * once the report is in the read model the engine reads. It keeps no tables: a trigger it misses
 * (the rollouts read model behind) the sweep makes up.
 */
export function rolloutTriggersProjection(
  enqueue: (applicationSetIds: Iterable<string>) => Promise<void>,
): Projection<Handled> {
  return {
    name: 'rollout_triggers',
    version: 1,
    handles: [
      'ClusterConnectivityChanged',
      'ApplicationSetUpdated',
      'ApplicationSetDeleted',
      'RolloutStarted',
      'RolloutApproved',
      'RolloutResumed',
      'RolloutSyncWindowOverridden',
    ],
    tables: [],
    async setup() {},
    async apply(tx, events) {
      const sets = new Set<string>();
      const clusters: string[] = [];
      const rollouts: string[] = [];
      for (const e of events as StoredOf<Handled>[]) {
        switch (e.type) {
          case 'ClusterConnectivityChanged':
            clusters.push(clusterIdOf(e.streamId));
            break;
          case 'ApplicationSetUpdated':
          case 'ApplicationSetDeleted':
            sets.add(applicationSetIdOf(e.streamId));
            break;
          case 'RolloutStarted':
            sets.add(e.data.applicationSetId);
            break;
          case 'RolloutApproved':
          case 'RolloutResumed':
          case 'RolloutSyncWindowOverridden':
            rollouts.push(rolloutIdOf(e.streamId));
            break;
          default:
            assertNever(e);
        }
      }
      for (const id of await affected(tx, clusters, rollouts)) sets.add(id);
      if (sets.size > 0) await enqueue(sets);
    },
  };
}

async function affected(tx: PoolClient, clusters: string[], rollouts: string[]): Promise<string[]> {
  if (clusters.length + rollouts.length === 0) return [];
  const { rows } = await tx.query<{ id: string }>(
    `SELECT r.application_set_id AS id FROM ${ROLLOUT_TARGETS_TABLE} t
       JOIN ${ROLLOUTS_TABLE} r ON r.id = t.rollout_id
      WHERE t.cluster_id = ANY($1::text[]) AND r.status = 'Progressing'
     UNION
     SELECT application_set_id FROM ${ROLLOUTS_TABLE} WHERE id = ANY($2::uuid[])`,
    [clusters, rollouts],
  );
  return rows.map((r) => r.id);
}
