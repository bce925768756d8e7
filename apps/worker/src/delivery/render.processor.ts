import type { GenerationReader } from '@flotilla/appsets';
import type { JobOn, QUEUES } from '@flotilla/contracts';
import {
  applicationEventId,
  deliveryStream,
  type DeliveryEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import { liveTarget, type EventStore } from '@flotilla/event-store';
import {
  repositoryKey,
  tenantRepositoryCheck,
  type GitMirrorCache,
  type RepositoryCredentialStore,
} from '@flotilla/git';
import {
  applicationSetsProjection,
  applicationsProjection,
  clustersProjection,
  DELIVERIES_TABLE,
  type FlotillaEvent,
} from '@flotilla/projections';
import type { BundleStore } from '@flotilla/render';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool, PoolClient } from 'pg';
import type { ApplicationRenderer, RenderOutcome, RenderTarget } from './application-renderer';

/** The actor of every event rendering writes. */
export const RENDER_ACTOR = 'system:renderer';
const APPS = liveTarget(applicationsProjection).table('applications');
const CLUSTERS = liveTarget(clustersProjection).table('clusters');
const SETS = liveTarget(applicationSetsProjection).table('application_sets');
/** Strategies that hold renderings for a rollout (checked on submit by parseRolloutStrategy). */
const ROLLOUT_TYPES = ['RollingSync', 'Progressive'];
/** Applications rendered, and their events appended, per transaction. */
const BATCH = 500;
const LOCK = 'flotilla-render';

export interface RenderJobDeps {
  pool: Pool;
  store: EventStore<FlotillaEvent>;
  mirrors: GitMirrorCache;
  credentials: RepositoryCredentialStore;
  reader: GenerationReader;
  renderer: ApplicationRenderer;
  bundles: BundleStore;
  logger: Logger;
  /** Applications per batch (default {@link BATCH}). */
  batchSize?: number;
}

interface Row {
  application_id: string;
  application_set_id: string;
  cluster_id: string;
  name: string;
  tenant: string;
  app_digest: string;
  repo_url: string | null;
  commit: string | null;
  bundle_id: string | null;
  rendered_digest: string | null;
  namespace: string;
  prune: boolean;
  self_heal: boolean;
  render_failed_digest: string | null;
  render_error_code: string | null;
  render_error_message: string | null;
  spec: JsonObjectValue;
  cluster_name: string;
  cluster_labels: Record<string, string>;
  /** The rendering held for a rollout, if any (as its event had it). */
  staged: {
    digest: string;
    commit: string;
    bundleId: string;
    namespace: string;
    prune: boolean;
    selfHeal: boolean;
  } | null;
  /** The ApplicationSet rolls out in steps: a new rendering is held, not released. */
  held: boolean;
}

type RenderEvent = Extract<
  DeliveryEvent,
  { type: 'ApplicationRendered' | 'ApplicationRenderStaged' | 'ApplicationRenderFailed' }
>;
type RenderJob = Job<Extract<JobOn<typeof QUEUES.delivery>, { type: 'render' }>>;

/**
 * `render`: renders the Applications whose current spec has not been rendered yet (`pending`),
 * or re-resolves every Application of one repository after a push (`repoURL`), or all of them
 * (`all`, the periodic resync), and appends what changed. One render job runs at a time across
 * workers (a Postgres advisory lock), so two never render the same Application; the events carry
 * ids derived from the stream version, so a retried batch appends nothing twice.
 */
export function renderProcessor(deps: RenderJobDeps) {
  return async (job: RenderJob) => {
    const lock = await acquireRenderLock(deps.pool);
    try {
      const repoUrls = await refreshRepositories(deps, job.data);
      let after: Cursor = [ZERO, ZERO];
      let rendered = 0;
      let appended = 0;
      // Revisions resolved in this job, per tenant (each tenant sees Git through its own rules).
      const resolutions = new Map<string, Map<string, Promise<string>>>();
      for (;;) {
        const rows = await targets(deps.pool, job.data, repoUrls, after, deps.batchSize ?? BATCH);
        if (rows.length === 0) break;
        const last = rows[rows.length - 1]!;
        after = [last.application_set_id, last.application_id];
        rendered += rows.length;
        appended += await renderBatch(deps, lock, rows, String(job.id), resolutions);
      }
      if (rendered > 0) deps.logger.info({ rendered, appended, job: job.data }, 'render pass');
      return { rendered, appended };
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK]).catch(() => undefined);
      lock.release();
    }
  };
}

/**
 * Takes the render lock and answers the connection that holds it. A job that finds it taken waits
 * without holding a connection: jobs blocked in `pg_advisory_lock` would each keep one, and with
 * enough of them queued (one per burst of triggers) the pool ran dry under the holder, which then
 * could not run its own queries.
 */
async function acquireRenderLock(pool: Pool): Promise<PoolClient> {
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [LOCK],
      );
      if (rows[0]?.locked) return client;
    } catch (error) {
      client.release();
      throw error;
    }
    client.release();
    await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random() / 2)));
  }
}

/** Fetches the mirrors a repository or resync job is about; answers the repository URLs in scope. */
async function refreshRepositories(
  deps: RenderJobDeps,
  data: RenderJob['data'],
): Promise<string[] | null> {
  if (!data.repoURL && !data.all) return null;
  const { rows } = await deps.pool.query<{ repo_url: string; tenant: string }>(
    `SELECT DISTINCT ON (repo_url) repo_url, tenant FROM ${DELIVERIES_TABLE}
      WHERE NOT deleted AND repo_url IS NOT NULL`,
  );
  const key = data.repoURL ? safeKey(data.repoURL) : undefined;
  const scoped = rows.filter((r) => !data.repoURL || safeKey(r.repo_url) === key);
  for (const { repo_url: url, tenant } of scoped) {
    try {
      if (await deps.mirrors.has(url))
        await deps.mirrors.fetch(url, await deps.credentials.forTenant(tenant)(url));
    } catch (error) {
      deps.logger.warn({ url, err: (error as Error).message }, 'mirror fetch before render failed');
    }
  }
  return scoped.map((r) => r.repo_url);
}

function safeKey(url: string): string | undefined {
  try {
    return repositoryKey(url);
  } catch {
    return undefined;
  }
}

/** Where a render pass stands: the last (ApplicationSet, Application) it took. */
type Cursor = [setId: string, applicationId: string];
const ZERO = '00000000-0000-0000-0000-000000000000';

/**
 * The next batch of a pass, in (ApplicationSet, Application) order: `limit` rows, and then the
 * rest of the last one's ApplicationSet, so that one ApplicationSet's renderings are held (or
 * released) in one transaction: a rollout then starts over all of them, not over the first batch.
 */
async function targets(
  pool: Pool,
  data: RenderJob['data'],
  repoUrls: string[] | null,
  after: Cursor,
  limit: number,
): Promise<Row[]> {
  const scope =
    repoUrls === null
      ? `coalesce(d.staged->>'digest', d.rendered_digest) IS DISTINCT FROM d.app_digest
         AND d.render_failed_digest IS DISTINCT FROM d.app_digest`
      : data.all
        ? 'true'
        : 'd.repo_url = ANY($5::text[])';
  const select = (where: string) =>
    `SELECT d.application_id, d.application_set_id, d.cluster_id, d.name, d.tenant, d.app_digest,
            d.repo_url, d.commit, d.bundle_id, d.rendered_digest, d.namespace, d.prune,
            d.self_heal, d.render_failed_digest, d.render_error_code, d.render_error_message,
            a.spec, c.name AS cluster_name, c.labels AS cluster_labels, d.staged,
            coalesce(s.manifest->'spec'->'strategy'->>'type' = ANY($4::text[]), false) AS held
       FROM ${DELIVERIES_TABLE} d
       JOIN ${APPS} a ON a.id = d.application_id AND a.cluster_id = d.cluster_id
       JOIN ${CLUSTERS} c ON c.id = d.cluster_id
       LEFT JOIN ${SETS} s ON s.id = d.application_set_id
      WHERE NOT d.deleted AND ${where} AND (${scope})
      ORDER BY d.application_set_id, d.application_id`;
  const params = (cursor: Cursor, n: number | null) =>
    repoUrls === null || data.all
      ? [...cursor, n, ROLLOUT_TYPES]
      : [...cursor, n, ROLLOUT_TYPES, repoUrls];
  const { rows } = await pool.query<Row>(
    `${select('(d.application_set_id, d.application_id) > ($1::uuid, $2::uuid)')} LIMIT $3`,
    params(after, limit),
  );
  const last = rows[rows.length - 1];
  if (rows.length < limit || !last) return rows;
  const rest = await pool.query<Row>(
    `${select('d.application_set_id = $1::uuid AND d.application_id > $2::uuid')} LIMIT $3`,
    params([last.application_set_id, last.application_id], null),
  );
  return [...rows, ...rest.rows];
}

/**
 * The event an outcome calls for, or null when the row already says it. For an ApplicationSet
 * that rolls out in steps, a rendering other than the one held (or, with none held, the one
 * released) is held (`ApplicationRenderStaged`) for a rollout to release.
 */
export function deliveryEventFor(row: Row, outcome: RenderOutcome): RenderEvent | null {
  if (outcome.ok) {
    const released =
      row.rendered_digest === row.app_digest &&
      row.commit === outcome.commit &&
      row.bundle_id === outcome.bundle.id &&
      row.namespace === outcome.namespace &&
      row.prune === outcome.prune &&
      row.self_heal === outcome.selfHeal;
    const staged = row.staged;
    const heldAlready =
      staged !== null &&
      staged.digest === row.app_digest &&
      staged.commit === outcome.commit &&
      staged.bundleId === outcome.bundle.id &&
      staged.namespace === outcome.namespace &&
      staged.prune === outcome.prune &&
      staged.selfHeal === outcome.selfHeal;
    if (row.render_failed_digest === null && (row.held && staged ? heldAlready : released))
      return null;
    return {
      type: row.held ? 'ApplicationRenderStaged' : 'ApplicationRendered',
      data: {
        clusterId: row.cluster_id,
        digest: row.app_digest,
        targetRevision: outcome.targetRevision,
        commit: outcome.commit,
        bundleId: outcome.bundle.id,
        sourceType: outcome.sourceType,
        objectCount: outcome.bundle.objectCount,
        namespace: outcome.namespace,
        prune: outcome.prune,
        selfHeal: outcome.selfHeal,
      },
    };
  }
  const message = outcome.message.slice(0, 4096);
  const code = outcome.code.slice(0, 64);
  if (
    row.render_failed_digest === row.app_digest &&
    row.render_error_code === code &&
    row.render_error_message === message
  )
    return null;
  return {
    type: 'ApplicationRenderFailed',
    data: {
      clusterId: row.cluster_id,
      digest: row.app_digest,
      targetRevision: outcome.targetRevision,
      commit: outcome.commit,
      code,
      message,
    },
  };
}

async function renderBatch(
  deps: RenderJobDeps,
  client: PoolClient,
  rows: Row[],
  jobId: string,
  resolutions: Map<string, Map<string, Promise<string>>>,
): Promise<number> {
  const byTenant = new Map<string, Row[]>();
  for (const row of rows) byTenant.set(row.tenant, [...(byTenant.get(row.tenant) ?? []), row]);
  const writes: { row: Row; event: RenderEvent }[] = [];
  for (const [tenant, tenantRows] of byTenant) {
    const policy = await deps.reader.policy(tenant).catch(() => undefined);
    const git = policy
      ? deps.mirrors.source({
          checkURL: tenantRepositoryCheck(policy),
          credentials: deps.credentials.forTenant(tenant),
        })
      : undefined;
    const resolved = resolutions.get(tenant) ?? new Map<string, Promise<string>>();
    resolutions.set(tenant, resolved);
    for (const row of tenantRows) {
      const target: RenderTarget = {
        applicationId: row.application_id,
        name: row.name,
        clusterId: row.cluster_id,
        clusterName: row.cluster_name,
        clusterLabels: row.cluster_labels,
        spec: row.spec,
        digest: row.app_digest,
      };
      const outcome: RenderOutcome =
        policy && git
          ? await deps.renderer.render(target, git, policy, resolved)
          : {
              ok: false,
              targetRevision: '',
              commit: null,
              code: 'TenantUnavailable',
              message: `the rules of tenant ${tenant} cannot be read`,
            };
      if (outcome.ok) await deps.bundles.put(outcome.bundle);
      const event = deliveryEventFor(row, outcome);
      if (event) writes.push({ row, event });
    }
  }
  if (writes.length > 0) await appendAll(deps, client, writes, jobId);
  return writes.length;
}

/**
 * Appends in one transaction, on the connection that holds the render lock (a second one from the
 * pool could be a wait on a pool that other jobs have emptied); each event's id derives from its
 * stream version and content.
 */
async function appendAll(
  deps: RenderJobDeps,
  client: PoolClient,
  writes: { row: Row; event: RenderEvent }[],
  jobId: string,
): Promise<void> {
  try {
    await client.query('BEGIN');
    const streams = writes.map((w) => deliveryStream(w.row.application_id));
    const versions = await client.query<{ stream_id: string; v: number }>(
      `SELECT stream_id, max(stream_version) AS v FROM events WHERE stream_id = ANY($1)
        GROUP BY stream_id`,
      [streams],
    );
    const versionOf = new Map(versions.rows.map((r) => [r.stream_id, r.v]));
    for (const { row, event } of writes) {
      const stream = deliveryStream(row.application_id);
      const version = versionOf.get(stream) ?? 0;
      const tag =
        event.type === 'ApplicationRenderFailed'
          ? `failed/${event.data.digest}/${event.data.code}`
          : `${event.type === 'ApplicationRendered' ? 'rendered' : 'staged'}/${event.data.digest}/${event.data.commit}/${event.data.bundleId}`;
      await deps.store.append(
        stream,
        version === 0 ? 'no_stream' : version,
        [{ ...event, eventId: applicationEventId(stream, version + 1, tag) }],
        { actor: RENDER_ACTOR, tenantId: row.tenant, correlationId: jobId },
        { client },
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
