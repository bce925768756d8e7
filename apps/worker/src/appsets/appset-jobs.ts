import { GenerationReader, TenantGit } from '@flotilla/appsets';
import type { WorkerConfig } from '@flotilla/config';
import { JOB_SCHEDULERS } from '@flotilla/contracts';
import type { DeletionBrake, JsonObjectValue } from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import { GitMirrorCache, RepositoryCredentialStore } from '@flotilla/git';
import type { FlotillaEvent } from '@flotilla/projections';
import type { SecretBox } from '@flotilla/secrets';
import type { FlowJob } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { JobHandlers, JobSchedule } from '../fleet/fleet-jobs';
import { generateAppsetProcessor } from './generate-appset.processor';
import { finishGenerationProcessor, writeApplicationsProcessor } from './generation-flow.processor';
import type { GenerationRequests } from './generation-requests';
import { appsetResyncProcessor, gitRefreshProcessor } from './git-refresh.processor';

/** Writes per chunk job (and the most a generation writes inline). */
export const DEFAULT_CHUNK_SIZE = 250;

export interface AppsetJobsDeps {
  config: WorkerConfig;
  pool: Pool;
  store: EventStore<FlotillaEvent>;
  box: SecretBox;
  requests: GenerationRequests;
  logger: Logger;
  addFlow: (flow: FlowJob) => Promise<unknown>;
  chunkSize?: number;
  brake?: DeletionBrake;
  readModelTimeoutMs?: number;
  /** The worker's Git mirrors, credentials and read-model reader (shared with rendering). */
  git: AppsetGit;
  /** Called after a push moved a repository (rendering re-resolves its Applications). */
  onRepositoryMoved?: (url: string) => Promise<void>;
}

/** Git as the worker sees it: one mirror cache per process, shared by generation and rendering. */
export interface AppsetGit {
  mirrors: GitMirrorCache;
  credentials: RepositoryCredentialStore;
  reader: GenerationReader;
}

/** The worker's Git mirrors and credentials, and the generation reader. */
export function appsetGit(config: WorkerConfig, pool: Pool, box: SecretBox): AppsetGit {
  return {
    mirrors: new GitMirrorCache({
      directory: config.GIT_CACHE_DIR,
      allowFileUrls: config.GIT_ALLOW_FILE_URLS,
      fetchTimeoutMs: config.GIT_FETCH_TIMEOUT_SECONDS * 1000,
    }),
    credentials: new RepositoryCredentialStore(pool, box),
    reader: new GenerationReader(pool),
  };
}

type AppsetHandlers = Pick<
  JobHandlers,
  'generate-appset' | 'write-applications' | 'finish-generation' | 'git-refresh' | 'appset-resync'
>;

/** The resync scheduler (on the fleet-upkeep queue like the other schedulers). */
export function appsetSchedules(config: WorkerConfig): JobSchedule[] {
  return [
    {
      id: JOB_SCHEDULERS.appsetResync,
      everyMs: config.APPSET_RESYNC_SECONDS * 1000,
      payload: { type: 'appset-resync' },
    },
  ];
}

/**
 * The ApplicationSet jobs of a worker: generation (with its chunks and their parent), Git
 * refreshes and the resync tick. One Git mirror cache per worker process; each generation sees
 * Git through its tenant (allowed repositories checked before any fetch, its own credentials).
 */
export function appsetJobHandlers(deps: AppsetJobsDeps): AppsetHandlers {
  const { pool, logger } = deps;
  const { mirrors, credentials, reader } = deps.git;
  const tenantGit = new TenantGit(mirrors, credentials, reader, (url, error) =>
    logger.warn({ url, err: error.message }, 'mirror fetch before generation failed'),
  );
  const gitFor = (tenant: string, manifest: JsonObjectValue) =>
    tenantGit.sourceFor(tenant, manifest);
  const generation = {
    pool,
    store: deps.store,
    requests: deps.requests,
    logger,
    gitFor,
    addFlow: deps.addFlow,
    chunkSize: deps.chunkSize ?? DEFAULT_CHUNK_SIZE,
    readModelTimeoutMs: deps.readModelTimeoutMs ?? 30_000,
    ...(deps.brake ? { brake: deps.brake } : {}),
  };
  const git = {
    pool,
    mirrors,
    credentials,
    requests: deps.requests,
    logger,
    ...(deps.onRepositoryMoved ? { onMoved: deps.onRepositoryMoved } : {}),
  };
  return {
    'generate-appset': generateAppsetProcessor(generation),
    'write-applications': writeApplicationsProcessor(generation),
    'finish-generation': finishGenerationProcessor(generation),
    'git-refresh': gitRefreshProcessor(git),
    'appset-resync': appsetResyncProcessor(git),
  };
}
