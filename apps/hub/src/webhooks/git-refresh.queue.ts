import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import { jobIds, queuePrefix, QUEUES, type JobOn } from '@flotilla/contracts';
import { queueTelemetry } from '@flotilla/tracing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { FleetRuntime } from '../clusters/fleet-runtime';
import { BackingServices } from '../infra/backing-services';
import { HUB_CONFIG } from '../infra/tokens';

type GitRefresh = JobOn<typeof QUEUES.gitRefresh>;

/**
 * The hub's producer side of the `git-refresh` queue (the worker consumes it). Its own Redis
 * connection, so that a webhook burst does not queue behind heartbeats or policy reads.
 */
@Injectable()
export class GitRefreshQueue implements OnApplicationShutdown {
  private readonly redis: Redis;
  private queue: Promise<Queue<GitRefresh, unknown, GitRefresh['type']>> | null = null;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly fleet: FleetRuntime,
    outages: BackingServices,
  ) {
    this.redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
    this.redis.on('error', (error) => outages.redis.failed(error));
  }

  /**
   * Queues a fetch of `repoURL` for the push of `after`; `repoKey` is the repository's cache key.
   * A job with the same id already there (a redelivery) is left as it is.
   */
  async add(repoURL: string, repoKey: string, after: string): Promise<void> {
    const queue = await this.open();
    await queue.add(
      'git-refresh',
      { type: 'git-refresh', repoURL },
      {
        jobId: jobIds.gitRefresh(repoKey, after),
        // A fetch fails on a blip of the network: a few tries before it counts as failed.
        attempts: 3,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 7 * 86_400, count: 1000 },
      },
    );
  }

  private open(): Promise<Queue<GitRefresh, unknown, GitRefresh['type']>> {
    const telemetry = queueTelemetry();
    this.queue ??= this.fleet.prefix().then(
      (identity) =>
        new Queue<GitRefresh, unknown, GitRefresh['type']>(QUEUES.gitRefresh, {
          connection: this.redis,
          prefix: queuePrefix(identity),
          // With traces on, the worker's fetch continues the webhook's trace.
          ...(telemetry ? { telemetry } : {}),
        }),
      (error: unknown) => {
        this.queue = null;
        throw error;
      },
    );
    return this.queue;
  }

  async onApplicationShutdown(): Promise<void> {
    const queue = await this.queue?.catch(() => null);
    await queue?.close();
    this.redis.disconnect();
  }
}
