import type { JobOn, QUEUES } from '@flotilla/contracts';
import type { Job } from 'bullmq';
import { writeApplications, type WriteOutcome } from './application-writes';
import { recordGeneration } from './application-set-record';
import type { GenerationJobDeps } from './generate-appset.processor';

type Payload<T extends string> = Extract<JobOn<typeof QUEUES.appsetGeneration>, { type: T }>;

/** What a chunk job returns (its parent sums them). */
export interface ChunkResult {
  chunk: number;
  written: number;
  alreadyWritten: number;
  stale: number;
}

/**
 * `write-applications`: one chunk of a large plan, appended in one transaction. Safe to run
 * again (after a crash, or twice by two workers): every event id is derived from the plan.
 */
export function writeApplicationsProcessor(deps: Pick<GenerationJobDeps, 'pool' | 'store'>) {
  return async (job: Job<Payload<'write-applications'>>): Promise<ChunkResult> => {
    const { applicationSetId, tenant, chunk, writes } = job.data;
    const outcome: WriteOutcome = await writeApplications(
      deps.pool,
      deps.store,
      { applicationSetId, tenant },
      writes,
    );
    return {
      chunk,
      written: outcome.written,
      alreadyWritten: outcome.alreadyWritten,
      stale: outcome.stale.length,
    };
  };
}

/**
 * `finish-generation`: runs once every chunk is written. Records the generation on the
 * ApplicationSet, marks its request generated, releases it, and queues the next generation when
 * triggers came in meanwhile (or a chunk found its plan stale).
 */
export function finishGenerationProcessor(
  deps: Pick<GenerationJobDeps, 'store' | 'requests' | 'logger'>,
) {
  return async (job: Job<Payload<'finish-generation'>>) => {
    const { applicationSetId, planKey, requested, record, held } = job.data;
    const chunks = Object.values(await job.getChildrenValues<ChunkResult>());
    const sum = (k: 'written' | 'alreadyWritten' | 'stale') => chunks.reduce((n, c) => n + c[k], 0);
    const appended = await recordGeneration(deps.store, applicationSetId, planKey, record, held);
    await deps.requests.finish(applicationSetId, job.id ?? '', requested, sum('stale') > 0);
    const result = {
      chunks: chunks.length,
      written: sum('written'),
      alreadyWritten: sum('alreadyWritten'),
      stale: sum('stale'),
      appended,
    };
    deps.logger.info({ applicationSetId, planKey, ...result }, 'chunked generation finished');
    return result;
  };
}
