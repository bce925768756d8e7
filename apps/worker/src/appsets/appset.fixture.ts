// Test helpers for the ApplicationSet generation tests: a tenant and its clusters as events,
// ApplicationSets appended as the hub would, and "the worker has nothing left to do".
import { QUEUES } from '@flotilla/contracts';
import {
  applicationId,
  applicationSetStream,
  applicationStream,
  parseTenantSpec,
  type ApplicationSetEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import { clusterStream, DELIVERIES_TABLE, type FlotillaEvent } from '@flotilla/projections';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { RunningWorker } from '../worker';
import { FACTS } from '../testing/worker-fixture';

const actor = { actor: 'alice' };

/** Polls until `check` stops throwing or the deadline passes (then rethrows its last error). */
async function eventually(check: () => Promise<void>, timeoutMs: number, intervalMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** An Application as the read model holds it. */
export interface ApplicationRow {
  id: string;
  name: string;
  cluster_id: string;
  digest: string;
  path: string | null;
  spec: JsonObjectValue;
}

/** A manifest with the given generators and an Application name template. */
export function manifest(
  name: string,
  generators: unknown[],
  options: {
    appName?: string;
    finalizers?: string[];
    path?: string;
    repoURL?: string;
    syncPolicy?: Record<string, unknown>;
    destination?: Record<string, string>;
  } = {},
): JsonObjectValue {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name },
    spec: {
      goTemplate: true,
      generators,
      ...(options.syncPolicy ? { syncPolicy: options.syncPolicy } : {}),
      template: {
        metadata: {
          name: options.appName ?? '{{.name}}-{{.app}}',
          ...(options.finalizers ? { finalizers: options.finalizers } : {}),
        },
        spec: {
          project: 'default',
          source: {
            repoURL: options.repoURL ?? 'https://github.com/team-a/apps',
            targetRevision: 'main',
            path: options.path ?? '{{.app}}',
          },
          destination: options.destination ?? { server: '{{.server}}', namespace: 'apps-{{.app}}' },
        },
      },
    },
  } as JsonObjectValue;
}

/** The fleet of one test database, written as events. */
export class AppsetFleet {
  constructor(
    readonly pool: Pool,
    readonly store: EventStore<FlotillaEvent>,
  ) {}

  async tenant(
    name: string,
    destinations: { clusterSelector: Record<string, unknown>; namespaces: string[] }[] = [
      { clusterSelector: {}, namespaces: ['*'] },
    ],
  ): Promise<void> {
    await this.store.append(
      `tenant-${name}`,
      'no_stream',
      [
        {
          type: 'TenantCreated',
          data: {
            spec: parseTenantSpec({
              name,
              sourceRepos: ['*'],
              destinations,
              roles: [],
            }),
          },
        },
      ],
      { ...actor, tenantId: name },
    );
  }

  async cluster(tenant: string, name: string, labels: Record<string, string>): Promise<string> {
    const id = `${tenant}-${name}`;
    await this.store.append(
      clusterStream(id),
      'no_stream',
      [
        {
          type: 'ClusterRegistered',
          data: { tenant, name, mode: 'kubeconfig', labels, facts: FACTS },
        },
      ],
      { ...actor, tenantId: tenant },
    );
    return id;
  }

  async clusterEvent(id: string, tenant: string, event: FlotillaEvent): Promise<void> {
    await this.store.append(clusterStream(id), 'stream_exists', [event], {
      ...actor,
      tenantId: tenant,
    });
  }

  /** Appends ApplicationSetCreated; answers the new ApplicationSet's id. */
  async createSet(tenant: string, m: JsonObjectValue): Promise<string> {
    const id = randomUUID();
    const name = (m['metadata'] as { name: string }).name;
    await this.setEvent(
      id,
      tenant,
      { type: 'ApplicationSetCreated', data: { tenant, name, manifest: m } },
      'no_stream',
    );
    return id;
  }

  async setEvent(
    id: string,
    tenant: string,
    event: ApplicationSetEvent,
    expected: 'no_stream' | 'stream_exists' = 'stream_exists',
  ): Promise<void> {
    await this.store.append(applicationSetStream(id), expected, [event], {
      ...actor,
      tenantId: tenant,
    });
  }

  async applications(setId: string): Promise<ApplicationRow[]> {
    const { rows } = await this.pool.query<ApplicationRow>(
      `SELECT id, name, cluster_id, digest, path, spec FROM applications_v1
        WHERE application_set_id = $1 ORDER BY name`,
      [setId],
    );
    return rows;
  }

  async names(setId: string): Promise<string[]> {
    return (await this.applications(setId)).map((a) => a.name);
  }

  /** The ApplicationSet's events of `type`, oldest first. */
  async setEvents(
    setId: string,
    type?: string,
  ): Promise<{ type: string; data: Record<string, unknown> }[]> {
    const events = await this.store.readStream(applicationSetStream(setId));
    return events
      .filter((e) => type === undefined || e.type === type)
      .map((e) => ({ type: e.type, data: e.data as Record<string, unknown> }));
  }

  /** The events of the named Applications of an ApplicationSet, in log order. */
  async applicationEvents(
    setId: string,
    names: readonly string[],
  ): Promise<{ name: string; type: string; data: Record<string, unknown> }[]> {
    const streams = new Map(names.map((n) => [applicationStream(applicationId(setId, n)), n]));
    const { rows } = await this.pool.query<{
      stream_id: string;
      type: string;
      data: Record<string, unknown>;
    }>(
      'SELECT stream_id, type, data FROM events WHERE stream_id = ANY($1) ORDER BY global_position',
      [[...streams.keys()]],
    );
    return rows.map((r) => ({ name: streams.get(r.stream_id) ?? '', type: r.type, data: r.data }));
  }

  async eventCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
    return Number(rows[0]?.n);
  }

  async requested(setId: string): Promise<number> {
    const { rows } = await this.pool.query<{ requested: string }>(
      'SELECT requested FROM appset_generation_requests WHERE application_set_id = $1',
      [setId],
    );
    return Number(rows[0]?.requested ?? 0);
  }

  async status(setId: string): Promise<Record<string, unknown>> {
    const { rows } = await this.pool.query<{ status: Record<string, unknown> }>(
      'SELECT status FROM application_sets_v1 WHERE id = $1',
      [setId],
    );
    return rows[0]?.status ?? {};
  }

  /**
   * Waits until the worker has nothing left: every projection at the log head, every request
   * generated and released, every current Application rendered (or failed), no generation or
   * render job waiting, running or delayed.
   */
  async settled(worker: RunningWorker, timeoutMs = 30_000): Promise<void> {
    const queue = worker.jobs.queue(QUEUES.appsetGeneration);
    await eventually(
      async () => {
        const { rows } = await this.pool.query<{ behind: string; owed: string }>(
          `SELECT (SELECT count(*) FROM projection_checkpoints
                    WHERE position < (SELECT coalesce(max(global_position), 0) FROM events)) AS behind,
                  (SELECT count(*) FROM appset_generation_requests
                    WHERE requested > generated OR in_flight IS NOT NULL)
                + (SELECT count(*) FROM ${DELIVERIES_TABLE}
                    WHERE NOT deleted AND rendered_digest IS DISTINCT FROM app_digest
                      AND render_failed_digest IS DISTINCT FROM app_digest) AS owed`,
        );
        const counts = await queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'waiting-children',
          'prioritized',
        );
        const rendering = await worker.jobs
          .queue(QUEUES.delivery)
          .getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        for (const [state, n] of Object.entries(rendering)) counts[`render-${state}`] = n;
        const busy = Object.values(counts).reduce((a, b) => a + b, 0);
        if (Number(rows[0]?.behind) > 0 || Number(rows[0]?.owed) > 0 || busy > 0)
          throw new Error(`not settled: ${JSON.stringify({ ...rows[0], ...counts })}`);
      },
      timeoutMs,
      50,
    );
  }
}
