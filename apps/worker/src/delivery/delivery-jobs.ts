import type { GenerationReader } from '@flotilla/appsets';
import type { WorkerConfig } from '@flotilla/config';
import { JOB_SCHEDULERS, jobIds, type JobPayload } from '@flotilla/contracts';
import type { EventStore } from '@flotilla/event-store';
import { repositoryKey, type GitMirrorCache, type RepositoryCredentialStore } from '@flotilla/git';
import { RENDER_CHANNEL, type FlotillaEvent } from '@flotilla/projections';
import { BundleStore, renderLimits } from '@flotilla/render';
import { Client, type Pool } from 'pg';
import type { Logger } from 'pino';
import type { JobHandlers, JobSchedule } from '../fleet/fleet-jobs';
import { ApplicationRenderer } from './application-renderer';
import { renderProcessor } from './render.processor';

/** Triggers within this window become one render job. */
const COALESCE_MS = 25;

export interface DeliveryJobsDeps {
  config: WorkerConfig;
  pool: Pool;
  store: EventStore<FlotillaEvent>;
  mirrors: GitMirrorCache;
  credentials: RepositoryCredentialStore;
  reader: GenerationReader;
  logger: Logger;
  /** Adds a job (bound once the queues exist). */
  add: (payload: JobPayload, jobId: string) => Promise<unknown>;
  now: () => Date;
  /** Applications rendered per transaction (default 500). */
  batchSize?: number;
}

/** The render resync scheduler. */
export function deliverySchedules(config: WorkerConfig): JobSchedule[] {
  return [
    {
      id: JOB_SCHEDULERS.renderResync,
      everyMs: config.RENDER_RESYNC_SECONDS * 1000,
      payload: { type: 'render-resync' },
    },
  ];
}

/** The delivery job handlers: `render` and the resync tick that queues a render of everything. */
export function deliveryJobHandlers(
  deps: DeliveryJobsDeps,
): Pick<JobHandlers, 'render' | 'render-resync'> {
  const renderer = new ApplicationRenderer(
    renderLimits({
      maxBytes: deps.config.MAX_BUNDLE_BYTES,
      maxObjects: deps.config.MAX_BUNDLE_OBJECTS,
    }),
  );
  return {
    render: renderProcessor({ ...deps, renderer, bundles: new BundleStore(deps.pool) }),
    'render-resync': async () => {
      await deps.add({ type: 'render', all: true }, jobIds.render('all', deps.now().getTime()));
      // Anything pending that a lost trigger left behind, too.
      await deps.add({ type: 'render' }, jobIds.render('pending', deps.now().getTime()));
      return { queued: 2 };
    },
  };
}

/**
 * Queues renders: for Applications waiting to be rendered (the deliveries projection notifies
 * {@link RENDER_CHANNEL}; a burst becomes one job), and for a repository that moved. Pending work
 * lives in Postgres, so a trigger lost with Redis is found again at start-up and by the resync.
 */
export class RenderTriggers {
  private listener: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly deps: DeliveryJobsDeps) {}

  /** Listens for pending renders and queues one for whatever is pending now. */
  async start(): Promise<void> {
    await this.connect();
    await this.pending();
  }

  /** Queues a render of every Application of `url` (after a push moved it). */
  async repositoryMoved(url: string): Promise<void> {
    let key: string;
    try {
      key = repositoryKey(url);
    } catch {
      return;
    }
    await this.deps.add(
      { type: 'render', repoURL: url },
      jobIds.render(`repo/${key.replace(/[^A-Za-z0-9._-]/g, '_')}`, this.deps.now().getTime()),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.listener?.end().catch(() => undefined);
  }

  private pending(): Promise<unknown> {
    const slot = Math.floor(this.deps.now().getTime() / COALESCE_MS);
    return this.deps.add({ type: 'render' }, jobIds.render('pending', slot));
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.deps.config.DATABASE_URL });
    client.on('notification', () => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pending().catch((error: Error) =>
          this.deps.logger.warn({ err: error.message }, 'cannot queue a render'),
        );
      }, COALESCE_MS);
    });
    client.on('error', (error) => {
      this.deps.logger.warn(
        { err: error.message },
        'render notifications interrupted; reconnecting',
      );
      void client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.reconnect(), 1_000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${RENDER_CHANNEL}`);
    this.listener = client;
  }

  private async reconnect(): Promise<void> {
    try {
      await this.connect();
      await this.pending();
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'render notifications: retrying');
      if (!this.stopped) setTimeout(() => void this.reconnect(), 2_000).unref();
    }
  }
}
