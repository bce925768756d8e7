import {
  assertNever,
  deliveryApplicationIdOf,
  rolloutIdOf,
  type ApplicationSetEvent,
  type ClusterEvent,
  type DeliveryEvent,
  type RolloutEvent,
} from '@flotilla/domain';
import type { Projection, StoredOf } from '@flotilla/event-store';
import {
  applicationSetIdOf,
  clusterIdOf,
  DELIVERIES_TABLE,
  ROLLOUT_TARGETS_TABLE,
  ROLLOUTS_TABLE,
} from '@flotilla/projections';
import type { PoolClient } from 'pg';

type Handled =
  | Extract<DeliveryEvent, { type: 'ApplicationRenderStaged' | 'ApplicationStatusChanged' }>
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
 * `rollout_triggers`: turns the log into rollout ticks. A held rendering, a status report of an
 * Application whose ApplicationSet is rolling out, a cluster of a rolling-out ApplicationSet going
 * Offline or coming back, an ApplicationSet changed or deleted, and a user's approval, resume or
 * override each queue a tick of that ApplicationSet (after the batch; a failed enqueue throws and
 * the batch is retried). It keeps no tables: what it needs is in the read models, and a trigger
 * it misses (the rollouts read model behind) the sweep makes up.
 */
export function rolloutTriggersProjection(
  enqueue: (applicationSetIds: Iterable<string>) => Promise<void>,
): Projection<Handled> {
  return {
    name: 'rollout_triggers',
    version: 1,
    handles: [
      'ApplicationRenderStaged',
      'ApplicationStatusChanged',
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
      const staged: string[] = [];
      const reported: string[] = [];
      const clusters: string[] = [];
      const rollouts: string[] = [];
      for (const e of events as StoredOf<Handled>[]) {
        switch (e.type) {
          case 'ApplicationRenderStaged':
            staged.push(deliveryApplicationIdOf(e.streamId));
            break;
          case 'ApplicationStatusChanged':
            reported.push(deliveryApplicationIdOf(e.streamId));
            break;
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
      for (const id of await affected(tx, staged, reported, clusters, rollouts)) sets.add(id);
      if (sets.size > 0) await enqueue(sets);
    },
  };
}

async function affected(
  tx: PoolClient,
  staged: string[],
  reported: string[],
  clusters: string[],
  rollouts: string[],
): Promise<string[]> {
  if (staged.length + reported.length + clusters.length + rollouts.length === 0) return [];
  const { rows } = await tx.query<{ id: string }>(
    `SELECT application_set_id AS id FROM ${DELIVERIES_TABLE}
      WHERE application_id = ANY($1::uuid[])
     UNION
     SELECT d.application_set_id FROM ${DELIVERIES_TABLE} d
       JOIN ${ROLLOUTS_TABLE} r ON r.application_set_id = d.application_set_id
      WHERE d.application_id = ANY($2::uuid[]) AND r.status = 'Progressing'
     UNION
     SELECT r.application_set_id FROM ${ROLLOUT_TARGETS_TABLE} t
       JOIN ${ROLLOUTS_TABLE} r ON r.id = t.rollout_id
      WHERE t.cluster_id = ANY($3::text[]) AND r.status = 'Progressing'
     UNION
     SELECT application_set_id FROM ${ROLLOUTS_TABLE} WHERE id = ANY($4::uuid[])`,
    [staged, reported, clusters, rollouts],
  );
  return rows.map((r) => r.id);
}
