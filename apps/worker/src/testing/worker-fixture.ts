import { parseConfig, workerConfigSchema, type WorkerConfig } from '@flotilla/config';
import { JOB_QUEUE, type JobPayload, type QueueName } from '@flotilla/contracts';
import type { ClusterFacts } from '@flotilla/domain';
import type { Redis } from 'ioredis';
import type { RunningWorker } from '../worker';

/** Facts of a small cluster. */
export const FACTS: ClusterFacts = {
  kubernetesVersion: 'v1.29.3',
  nodeCount: 3,
  allocatableCpuMillicores: 12_000,
  allocatableMemoryBytes: 48 * 1024 ** 3,
  agentVersion: 'push',
};

/** Worker configuration for tests: from these values only, never the environment. */
export function testWorkerConfig(
  databaseUrl: string,
  values: Record<string, string> = {},
): WorkerConfig {
  return parseConfig(workerConfigSchema, {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    // Many workers run at once in tests: no metrics port unless a test asks for one.
    METRICS_PORT: '0',
    ...values,
  });
}

/**
 * Adds a job through the worker's queues and waits until some worker has finished it; answers
 * its return value, or throws its failure.
 */
export async function runJob<R = unknown>(
  worker: RunningWorker,
  payload: JobPayload,
  jobId: string,
  timeoutMs = 20_000,
): Promise<{ result: R; processedBy: string | undefined }> {
  await worker.jobs.add(payload, jobId);
  return finishedJob<R>(worker, JOB_QUEUE[payload.type], jobId, timeoutMs);
}

/** Waits until a job has finished; answers its return value, or throws its failure. */
export async function finishedJob<R = unknown>(
  worker: RunningWorker,
  queueName: QueueName,
  jobId: string,
  timeoutMs = 20_000,
): Promise<{ result: R; processedBy: string | undefined }> {
  const queue = worker.jobs.queue(queueName);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // State first: a job read while still active has no return value yet.
    const state = await queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') {
      const job = await queue.getJob(jobId);
      if (!job) throw new Error(`job ${jobId} was removed`);
      if (state === 'failed') throw new Error(`job ${jobId} failed: ${job.failedReason}`);
      return { result: job.returnvalue as R, processedBy: job.processedBy };
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * What FLUSHALL does to one database's share of Redis (queues, schedulers, heartbeats, probe
 * errors): other test files share the server, so a real FLUSHALL would break them.
 */
export async function flushDatabaseKeys(redis: Redis, identity: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `flotilla:${identity}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
