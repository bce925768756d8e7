import { jobIds, QUEUES, type ApplicationWrite, type JobOn } from '@flotilla/contracts';
import { ApplicationSetGeneration, GenerationReader } from '@flotilla/appsets';
import {
  canonicalDigest,
  planReconciliation,
  readApplicationsSync,
  type DeletionBrake,
  type JsonObjectValue,
} from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import type { GitSource } from '@flotilla/generators';
import type { FlotillaEvent } from '@flotilla/projections';
import { DelayedError, type FlowJob, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import {
  foldApplicationSet,
  recordGeneration,
  recordOnApplicationSet,
  sameStatus,
} from './application-set-record';
import { planKey, planWrites, streamVersions, writeApplications } from './application-writes';
import { GENERATION_JOB_OPTIONS, type GenerationRequests } from './generation-requests';
import { waitForReadModels } from './projection-wait';

type Payload<T extends string> = Extract<JobOn<typeof QUEUES.appsetGeneration>, { type: T }>;
type FinishPayload = Payload<'finish-generation'>;

/** What the generation jobs need. */
export interface GenerationJobDeps {
  pool: Pool;
  store: EventStore<FlotillaEvent>;
  requests: GenerationRequests;
  logger: Logger;
  /** A tenant's view of Git (its allowed repositories, its credentials). */
  gitFor: (tenant: string, manifest: JsonObjectValue) => Promise<GitSource | undefined>;
  addFlow: (flow: FlowJob) => Promise<unknown>;
  /** Plans with more writes than this go out as a flow of chunk jobs. */
  chunkSize: number;
  brake?: DeletionBrake;
  /** How long a generation waits for the read models to reach the log head. */
  readModelTimeoutMs: number;
}

/** What a generation job returns. */
export type GenerationResult =
  | { outcome: 'already-generated' | 'absent' }
  | { outcome: 'failed'; reason: string; appended: number }
  | { outcome: 'written'; writes: number; written: number; stale: number; appended: number }
  | { outcome: 'chunked'; writes: number; chunks: number; planKey: string };

/** A job that waits for another run of the same ApplicationSet comes back after this. */
const HOLDER_BUSY_DELAY_MS = 500;

/**
 * `generate-appset`: one generation of one ApplicationSet, one run per ApplicationSet at a time.
 * A job whose request is already generated returns at once; one that finds another run in
 * progress goes back to the delayed set (no attempt used) and tries again.
 */
export function generateAppsetProcessor(deps: GenerationJobDeps) {
  return async (
    job: Job<Payload<'generate-appset'>>,
    token?: string,
  ): Promise<GenerationResult> => {
    const { applicationSetId: id, requested } = job.data;
    const before = await deps.requests.read(id);
    if (before && requested <= before.generated) return { outcome: 'already-generated' };
    const holder = job.id ?? jobIds.generateAppset(id, requested);
    const row = await deps.requests.acquire(id, holder, requested);
    if (!row) {
      await job.moveToDelayed(Date.now() + HOLDER_BUSY_DELAY_MS, token);
      throw new DelayedError();
    }
    if (requested <= row.generated) {
      await deps.requests.release(id, holder);
      return { outcome: 'already-generated' };
    }
    // Every request up to the row's number is answered by this run: the events that triggered
    // them are in the log before the head read below.
    const upTo = row.requested;
    try {
      return await generate(deps, id, upTo, holder);
    } catch (error) {
      await deps.requests.release(id, holder).catch(() => undefined);
      throw error;
    }
  };
}

async function generate(
  deps: GenerationJobDeps,
  id: string,
  upTo: number,
  holder: string,
): Promise<GenerationResult> {
  const started = performance.now();
  await waitForReadModels(deps.pool, await deps.store.headPosition(), deps.readModelTimeoutMs);
  const readModelsMs = performance.now() - started;
  const { state, manifest, tenant } = await foldApplicationSet(deps.store, id);
  if (state.status === 'absent' || tenant === null) {
    await deps.requests.finish(id, holder, upTo);
    return { outcome: 'absent' };
  }
  if (state.status === 'deleted') {
    // The user asked: every Application goes, no brake; resources stay if the manifest said so.
    const current = await new GenerationReader(deps.pool).current(id);
    let preserve = false;
    try {
      preserve = readApplicationsSync(manifest).preserveResourcesOnDeletion;
    } catch {
      // A manifest the decider accepted is readable; if not, deleting resources is the default.
    }
    const plan = planReconciliation({
      desired: [],
      current,
      policy: 'sync',
      preserveResourcesOnDeletion: preserve,
      brake: { share: 1, minimum: Number.MAX_SAFE_INTEGER },
    });
    const versions = await streamVersions(
      deps.pool,
      current.map((c) => c.id),
    );
    const writes = planWrites(id, plan, versions, 'ApplicationSetDeleted');
    return apply(deps, {
      id,
      tenant,
      upTo,
      holder,
      writes,
      record: null,
      held: null,
      manifestVersion: state.version,
    });
  }

  const gitStarted = performance.now();
  const git = await deps.gitFor(tenant, state.manifest);
  const gitMs = performance.now() - gitStarted;
  const generation = new ApplicationSetGeneration({
    pool: deps.pool,
    git,
    ...(deps.brake ? { brake: deps.brake } : {}),
  });
  const preview = await generation.plan({
    applicationSetId: id,
    tenant,
    manifest: state.manifest,
    ...(state.generation.confirmed ? { confirmedDeletions: state.generation.confirmed } : {}),
  });
  if (!preview.ok) {
    // Nothing changes; the failure shows on the ApplicationSet (once, not on every retry).
    const failure = {
      manifestVersion: state.manifestVersion,
      reason: preview.reason,
      message: preview.message,
    };
    const appended = await recordOnApplicationSet(
      deps.store,
      id,
      [{ type: 'RecordGenerationFailure', data: failure }],
      `failure/${canonicalDigest(failure).slice(0, 16)}`,
    );
    await deps.requests.finish(id, holder, upTo);
    deps.logger.warn(
      { applicationSetId: id, reason: preview.reason, message: preview.message },
      'generation failed',
    );
    return { outcome: 'failed', reason: preview.reason, appended: appended.length };
  }
  const { plan, violations, validationErrors } = preview;
  const touched = [...plan.update.map((u) => u.id), ...plan.delete.map((d) => d.id)];
  const writes = planWrites(id, plan, await streamVersions(deps.pool, touched));
  deps.logger.info(
    {
      applicationSetId: id,
      writes: writes.length,
      readModelsMs: Math.round(readModelsMs),
      gitMs: Math.round(gitMs),
      planMs: Math.round(performance.now() - started - readModelsMs - gitMs),
    },
    'generation planned',
  );
  const heldDeletions = plan.held?.deletions.length ?? 0;
  const record: NonNullable<FinishPayload['record']> = {
    manifestVersion: state.manifestVersion,
    created: plan.create.length,
    updated: plan.update.length,
    deleted: plan.delete.length,
    unchanged: plan.unchanged.length,
    skipped: plan.skipped.update.length + plan.skipped.delete.length,
    violations,
    validationErrors,
    ...(heldDeletions > 0 ? { heldDeletions } : {}),
  };
  return apply(deps, {
    id,
    tenant,
    upTo,
    holder,
    writes,
    // A run that changes nothing and finds the status as last recorded leaves no trace (the
    // last event's counts describe the last run that changed something).
    record:
      writes.length === 0 && sameStatus(state.generation, record, plan.held?.deletions)
        ? null
        : record,
    held: plan.held,
    manifestVersion: state.manifestVersion,
  });
}

interface PlanToApply {
  id: string;
  tenant: string;
  upTo: number;
  holder: string;
  writes: ApplicationWrite[];
  record: FinishPayload['record'];
  held: FinishPayload['held'];
  manifestVersion: number;
}

/** Writes a plan: inline when small, else as chunk jobs under a `finish-generation` parent. */
async function apply(deps: GenerationJobDeps, a: PlanToApply): Promise<GenerationResult> {
  const key = planKey(a.manifestVersion, a.writes);
  if (a.writes.length <= deps.chunkSize) {
    const outcome = await writeApplications(
      deps.pool,
      deps.store,
      { applicationSetId: a.id, tenant: a.tenant },
      a.writes,
    );
    const appended = await recordGeneration(deps.store, a.id, key, a.record, a.held);
    await deps.requests.finish(a.id, a.holder, a.upTo, outcome.stale.length > 0);
    return {
      outcome: 'written',
      writes: a.writes.length,
      written: outcome.written,
      stale: outcome.stale.length,
      appended,
    };
  }
  const chunks: ApplicationWrite[][] = [];
  for (let i = 0; i < a.writes.length; i += deps.chunkSize)
    chunks.push(a.writes.slice(i, i + deps.chunkSize));
  const parentId = jobIds.finishGeneration(a.id, key);
  // From here the parent holds the ApplicationSet: a run that finds it alive waits for it.
  if (!(await deps.requests.handOver(a.id, a.holder, parentId)))
    throw new Error(`generation of ${a.id}: lost the ApplicationSet to another run`);
  const finish: FinishPayload = {
    type: 'finish-generation',
    applicationSetId: a.id,
    planKey: key,
    requested: a.upTo,
    chunks: chunks.length,
    record: a.record,
    held: a.held,
  };
  await deps.addFlow({
    name: finish.type,
    queueName: QUEUES.appsetGeneration,
    data: finish,
    opts: { jobId: parentId, ...GENERATION_JOB_OPTIONS },
    children: chunks.map((writes, chunk) => {
      const data: Payload<'write-applications'> = {
        type: 'write-applications',
        applicationSetId: a.id,
        tenant: a.tenant,
        planKey: key,
        chunk,
        writes,
      };
      return {
        name: data.type,
        queueName: QUEUES.appsetGeneration,
        data,
        opts: {
          jobId: jobIds.writeApplications(a.id, key, chunk),
          ...GENERATION_JOB_OPTIONS,
          // A chunk that cannot be written fails the parent, which frees the ApplicationSet.
          failParentOnFailure: true,
        },
      };
    }),
  });
  return { outcome: 'chunked', writes: a.writes.length, chunks: chunks.length, planKey: key };
}
