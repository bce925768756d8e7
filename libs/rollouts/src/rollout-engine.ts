import {
  advanceRollout,
  applicationEventId,
  assignSteps,
  canonicalDigest,
  decideRollout,
  deliveryStream,
  DomainError,
  evolveRollout,
  initialRolloutState,
  parseRolloutStrategy,
  rolloutStream,
  type Candidate,
  type LiveRolloutState,
  type Rendering,
  type RolloutCommand,
  type RolloutEvent,
  type RolloutState,
  type RolloutStrategy,
  type TargetObservation,
} from '@flotilla/domain';
import { withTransaction } from '@flotilla/database';
import {
  ConcurrencyError,
  liveTarget,
  type EventMetadata,
  type EventStore,
} from '@flotilla/event-store';
import {
  applicationSetsProjection,
  applicationsProjection,
  clustersProjection,
  deliveriesProjection,
  DELIVERIES_TABLE,
  tenantsProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import type { Pool, PoolClient } from 'pg';
import { v5 as uuidv5 } from 'uuid';
import { manualAllowed, windowObservation, type TenantWindows } from './rollout-windows';

/** The actor of every decision the orchestrator takes by itself. */
export const ROLLOUT_ACTOR = 'system:rollouts';
const ROLLOUT_ID_NAMESPACE = '5b0c7f86-6f0f-4d59-9a5c-0f4f2bd1a8e1';
const SETS = liveTarget(applicationSetsProjection).table('application_sets');
const APPS = liveTarget(applicationsProjection).table('applications');
const CLUSTERS = liveTarget(clustersProjection).table('clusters');
const TENANTS = liveTarget(tenantsProjection).table('tenants');

interface TargetRow {
  application_id: string;
  cluster_id: string;
  name: string;
  namespace: string;
  rendering: (Rendering & { clusterId?: string }) | null;
  staged: (Rendering & { clusterId?: string }) | null;
  /** The held rendering came after the released one (a rollback releases an older one later). */
  staged_newer: boolean;
  /** The Application's current spec is neither rendered nor held nor failed yet. */
  render_pending: boolean;
  status_bundle_id: string | null;
  sync: string | null;
  health: string | null;
  cluster_name: string | null;
  cluster_labels: Record<string, string> | null;
  connectivity: 'Ready' | 'Stale' | 'Offline' | null;
  app_labels: Record<string, string> | null;
}

/** Who acts: the metadata of the user's request (actor, groups, request id, address), or an actor. */
export type RolloutActor = string | Omit<EventMetadata, 'tenantId'>;
const metadataOf = (actor: RolloutActor): Omit<EventMetadata, 'tenantId'> =>
  typeof actor === 'string' ? { actor } : actor;

/** What a tick did. */
export interface TickResult {
  /** Another tick of the same ApplicationSet was deciding: nothing was read or written. */
  busy?: boolean;
  /** The rollout it acted on, if any. */
  rolloutId: string | null;
  /** Events appended (rollout and delivery streams). */
  appended: number;
  /** When the clock alone would change a decision (bake end, deadline, window). */
  wakeAt: Date | null;
}

const renderingOf = (r: (Rendering & { clusterId?: string }) | null): Rendering | null => {
  if (!r) return null;
  const { clusterId: _c, ...rendering } = r;
  return rendering;
};

/** The cluster runs the same thing either way: releasing it needs no rollout. */
const sameForCluster = (a: Rendering | null, b: Rendering | null): boolean =>
  !!a &&
  !!b &&
  a.bundleId === b.bundleId &&
  a.commit === b.commit &&
  a.namespace === b.namespace &&
  a.prune === b.prune &&
  a.selfHeal === b.selfHeal;

/**
 * Runs the rollouts of ApplicationSets: a tick of one ApplicationSet reads its targets (the held
 * renderings, what each cluster runs and reports, connectivity, sync windows), the latest rollout
 * from the log, and decides with the pure domain functions; it appends the rollout's events and
 * each released rendering (`ApplicationRendered` on the Application's delivery stream) in one
 * transaction, under an advisory lock per ApplicationSet and the rollout stream's expected version,
 * so two workers never both decide, and a crash leaves either everything or nothing.
 */
export class RolloutEngine {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore<FlotillaEvent>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Advances the rollouts of one ApplicationSet (starting one when renderings are held). */
  async tick(applicationSetId: string): Promise<TickResult> {
    return this.locked(applicationSetId, (client) =>
      this.tickLocked(client, applicationSetId, null),
    );
  }

  /**
   * Starts a rollout of what is held for the ApplicationSet, by a user (superseding an active
   * one). Answers its id. CONFLICT when nothing is held or the ApplicationSet has no strategy.
   */
  async start(applicationSetId: string, actor: RolloutActor, reason: string): Promise<string> {
    return this.locked(applicationSetId, async (client) => {
      const result = await this.tickLocked(client, applicationSetId, { actor, reason });
      if (!result.rolloutId) throw new DomainError('CONFLICT', 'nothing to roll out');
      return result.rolloutId;
    });
  }

  /** A user's command on a rollout (approve, pause, resume, abort, override a window). */
  async command(rolloutId: string, command: RolloutCommand, actor: RolloutActor): Promise<void> {
    const head = await this.readRollout(this.pool, rolloutId);
    if (head.state.status === 'absent') throw new DomainError('NOT_FOUND', 'rollout not found');
    const setId = head.state.applicationSetId;
    await this.locked(setId, async (client) => {
      const { state, version } = await this.readRollout(client, rolloutId);
      const events = decideRollout(
        command.type === 'OverrideSyncWindow'
          ? await this.withManualCheck(client, state, command)
          : command,
        state,
      );
      const releases = events.flatMap((e) =>
        e.type === 'RolloutRolledBack' ? e.data.targets : [],
      );
      await this.append(
        client,
        rolloutId,
        version,
        events,
        actor,
        (state as LiveRolloutState).tenant,
      );
      await this.release(client, releases, actor, (state as LiveRolloutState).tenant, rolloutId);
      return undefined;
    });
  }

  /** An override as the windows of the step's targets allow it now (not as the caller says). */
  private async withManualCheck(
    client: PoolClient,
    state: RolloutState,
    command: Extract<RolloutCommand, { type: 'OverrideSyncWindow' }>,
  ): Promise<RolloutCommand> {
    if (state.status === 'absent') return command;
    const step =
      command.data.step ?? state.steps.findIndex((s) => s.waiting?.gate === 'SyncWindow');
    const ids = state.steps[step]?.targets ?? [];
    const rows = (await this.targets(client, state.applicationSetId)).filter((r) =>
      ids.includes(r.application_id),
    );
    const windows = await this.windows(client, state.tenant);
    const check = manualAllowed(
      windows,
      rows.map((r) => ({
        application: r.name,
        cluster: { name: r.cluster_name ?? '' },
        namespace: r.namespace,
      })),
      this.now(),
    );
    return {
      type: 'OverrideSyncWindow',
      data: { ...command.data, window: check.reason, manualAllowed: check.allowed },
    };
  }

  private async windows(client: PoolClient, tenant: string): Promise<TenantWindows> {
    const t = await client.query<{ spec: { syncWindows?: TenantWindows } | null }>(
      `SELECT spec FROM ${TENANTS} WHERE name = $1`,
      [tenant],
    );
    return t.rows[0]?.spec?.syncWindows ?? [];
  }

  /**
   * Runs `work` in a transaction holding the ApplicationSet's advisory lock, on one connection
   * (the work never needs a second). Without `wait`, a lock held elsewhere answers `busy` at once,
   * so queued ticks never sit on pool connections waiting for it.
   */
  private locked<T>(
    applicationSetId: string,
    work: (client: PoolClient) => Promise<T>,
    options: { wait: true } | { wait: false; busy: T } = { wait: true },
  ): Promise<T> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ locked: boolean }>(
        options.wait
          ? "SELECT pg_advisory_xact_lock(hashtext('flotilla-rollout:' || $1)) IS NULL AS locked"
          : "SELECT pg_try_advisory_xact_lock(hashtext('flotilla-rollout:' || $1)) AS locked",
        [applicationSetId],
      );
      if (!options.wait && !rows[0]?.locked) return options.busy;
      return work(client);
    });
  }

  private async tickLocked(
    client: PoolClient,
    applicationSetId: string,
    explicit: { actor: RolloutActor; reason: string } | null,
  ): Promise<TickResult> {
    const now = this.now();
    const set = await client.query<{ tenant: string; name: string; manifest: unknown }>(
      `SELECT tenant, name, manifest FROM ${SETS} WHERE id = $1`,
      [applicationSetId],
    );
    const latest = await this.latestRollout(client, applicationSetId);
    const active =
      latest && (latest.state.status === 'Progressing' || latest.state.status === 'Paused')
        ? latest
        : null;
    const appset = set.rows[0];
    if (!appset) {
      if (explicit)
        throw new DomainError('NOT_FOUND', `application set ${applicationSetId} not found`);
      if (!active) return { rolloutId: null, appended: 0, wakeAt: null };
      const events = decideRollout(
        {
          type: 'AbortRollout',
          data: { rollback: false, reason: 'the ApplicationSet was deleted' },
        },
        active.state,
      );
      await this.append(
        client,
        active.id,
        active.version,
        events,
        ROLLOUT_ACTOR,
        active.state.status === 'absent' ? undefined : active.state.tenant,
      );
      return { rolloutId: active.id, appended: events.length, wakeAt: null };
    }
    let strategy: RolloutStrategy | null;
    try {
      strategy = parseRolloutStrategy(
        (appset.manifest as { spec?: { strategy?: unknown } }).spec?.strategy,
      );
    } catch {
      strategy = null; // refused on submit since; an older manifest rolls out all at once
    }
    const rows = await this.targets(client, applicationSetId);
    let appended = 0;
    // Held renderings the cluster would not notice, and all of them without a strategy, go now.
    const direct = rows.filter(
      (r) =>
        r.staged &&
        ((!strategy && r.staged_newer) ||
          sameForCluster(renderingOf(r.staged), renderingOf(r.rendering))),
    );
    appended += await this.release(
      client,
      direct.map((r) => ({
        applicationId: r.application_id,
        clusterId: r.cluster_id,
        rendering: renderingOf(r.staged)!,
      })),
      ROLLOUT_ACTOR,
      appset.tenant,
      null,
    );
    if (!strategy) {
      if (active) {
        const events = decideRollout(
          {
            type: 'AbortRollout',
            data: {
              rollback: false,
              reason: 'the ApplicationSet no longer has a rollout strategy',
            },
          },
          active.state,
        );
        appended += await this.append(
          client,
          active.id,
          active.version,
          events,
          ROLLOUT_ACTOR,
          appset.tenant,
        );
      }
      if (explicit)
        throw new DomainError('CONFLICT', `application set ${appset.name} has no rollout strategy`);
      return { rolloutId: active?.id ?? null, appended, wakeAt: null };
    }
    const directIds = new Set(direct.map((r) => r.application_id));
    const pending = rows.filter((r) => r.staged && !directIds.has(r.application_id));
    const observation = await this.observe(client, appset.tenant, appset.name, rows, now);

    const moved =
      active !== null &&
      pending.some((r) => {
        const t =
          active.state.status !== 'absent' ? active.state.targets.get(r.application_id) : undefined;
        return t !== undefined && t.bundleId !== r.staged!.bundleId;
      });
    // Held renderings the latest rollout already decided on do not start another by themselves:
    // those it excluded (no step selects them), and all of an aborted one's.
    const latestState = latest && latest.state.status !== 'absent' ? latest.state : null;
    const covered = (r: TargetRow): boolean =>
      !!latestState &&
      (latestState.excluded.get(r.application_id) === r.staged!.bundleId ||
        (latestState.status === 'Aborted' &&
          latestState.targets.get(r.application_id)?.bundleId === r.staged!.bundleId));
    const fresh = pending.filter((r) => !covered(r));
    // A render pass holds a revision in batches: a rollout (or a supersession) by itself waits
    // until none of the ApplicationSet's Applications waits to be rendered, so that one push is
    // one rollout over all of them (the last batch's notification ticks it).
    const rendering = rows.some((r) => r.render_pending) || !(await this.heldAllRead(client));
    const startNew =
      pending.length > 0 &&
      (explicit !== null || (!rendering && (moved || (active === null && fresh.length > 0))));
    const candidatesOf = explicit !== null || moved ? pending : fresh;
    if (startNew) {
      const revision = revisionOf(candidatesOf);
      const id = uuidv5(
        `${applicationSetId}/${revision}/${latest?.id ?? 'first'}/${explicit ? now.toISOString() : 'auto'}`,
        ROLLOUT_ID_NAMESPACE,
      );
      if (active)
        appended += await this.append(
          client,
          active.id,
          active.version,
          decideRollout({ type: 'SupersedeRollout', data: { by: id } }, active.state),
          explicit?.actor ?? ROLLOUT_ACTOR,
          appset.tenant,
        );
      const candidates: Candidate[] = candidatesOf.map((r) => ({
        applicationId: r.application_id,
        applicationName: r.name,
        clusterId: r.cluster_id,
        clusterName: r.cluster_name ?? r.cluster_id,
        bundleId: r.staged!.bundleId,
        commit: r.staged!.commit,
        applicationLabels: r.app_labels ?? {},
        clusterLabels: r.cluster_labels ?? {},
      }));
      const { steps, excluded } = assignSteps(strategy, candidates);
      const started: RolloutEvent = {
        type: 'RolloutStarted',
        data: {
          tenant: appset.tenant,
          applicationSetId,
          applicationSetName: appset.name,
          strategy,
          revision,
          commits: [...new Set(candidatesOf.map((r) => r.staged!.commit))].sort(),
          reason:
            explicit?.reason ??
            (moved
              ? `a new revision of ${appset.name} arrived while rollout ${active!.id} was running`
              : `new renderings of ${appset.name} are held for ${candidatesOf.length} Application(s)`),
          steps,
          excluded,
          supersedes: active?.id ?? null,
        },
      };
      const state = evolveRollout(initialRolloutState, started, now);
      const step = advanceRollout(state, observation);
      const events = [started, ...step.events];
      appended += await this.append(
        client,
        id,
        'no_stream',
        events,
        explicit?.actor ?? ROLLOUT_ACTOR,
        appset.tenant,
      );
      appended += await this.releaseUpdates(client, events, appset.tenant, id);
      return { rolloutId: id, appended, wakeAt: step.wakeAt };
    }
    if (!active) return { rolloutId: null, appended, wakeAt: null };
    const step = advanceRollout(active.state, observation);
    if (step.events.length > 0) {
      appended += await this.append(
        client,
        active.id,
        active.version,
        step.events,
        ROLLOUT_ACTOR,
        appset.tenant,
      );
      appended += await this.releaseUpdates(client, step.events, appset.tenant, active.id);
    }
    return { rolloutId: active.id, appended, wakeAt: step.wakeAt };
  }

  /**
   * Whether the deliveries read model holds every held rendering the log has: a render pass
   * holds a revision in one transaction, but the projection may apply it in two batches, and a
   * rollout started between them would leave the second half to another rollout.
   */
  private async heldAllRead(client: PoolClient): Promise<boolean> {
    const { rows } = await client.query<{ read: boolean }>(
      `SELECT coalesce((SELECT max(global_position) FROM events
                         WHERE type = 'ApplicationRenderStaged'), 0)
              <= coalesce((SELECT position FROM projection_checkpoints
                            WHERE name = $1 AND version = $2), 0) AS read`,
      [deliveriesProjection.name, deliveriesProjection.version],
    );
    return rows[0]?.read ?? false;
  }

  /** The latest rollout started for the ApplicationSet, folded from its stream. */
  private async latestRollout(
    client: PoolClient,
    applicationSetId: string,
  ): Promise<{ id: string; state: RolloutState; version: number } | null> {
    const { rows } = await client.query<{ stream_id: string }>(
      `SELECT stream_id FROM events
        WHERE type = 'RolloutStarted' AND data->>'applicationSetId' = $1
        ORDER BY global_position DESC LIMIT 1`,
      [applicationSetId],
    );
    const stream = rows[0]?.stream_id;
    if (!stream) return null;
    const id = stream.slice('rollout-'.length);
    return { id, ...(await this.readRollout(client, id)) };
  }

  private async readRollout(
    client: Pool | PoolClient,
    id: string,
  ): Promise<{ state: RolloutState; version: number }> {
    const events = await this.store.readStream(rolloutStream(id), { client });
    let state: RolloutState = initialRolloutState;
    for (const e of events)
      state = evolveRollout(state, e as unknown as RolloutEvent, e.recordedAt);
    return { state, version: events.length === 0 ? 0 : events[events.length - 1]!.streamVersion };
  }

  private async targets(client: PoolClient, applicationSetId: string): Promise<TargetRow[]> {
    const { rows } = await client.query<TargetRow>(
      `SELECT d.application_id, d.cluster_id, d.name, d.namespace, d.rendering, d.staged,
              (d.rendered_at IS NULL OR d.staged_at > d.rendered_at) AS staged_newer,
              (coalesce(d.staged->>'digest', d.rendered_digest) IS DISTINCT FROM d.app_digest
               AND d.render_failed_digest IS DISTINCT FROM d.app_digest) AS render_pending,
              d.status_bundle_id, d.sync, d.health, c.name AS cluster_name,
              c.labels AS cluster_labels, c.connectivity, a.metadata->'labels' AS app_labels
         FROM ${DELIVERIES_TABLE} d
         LEFT JOIN ${CLUSTERS} c ON c.id = d.cluster_id
         LEFT JOIN ${APPS} a ON a.id = d.application_id
        WHERE d.application_set_id = $1 AND NOT d.deleted
        ORDER BY d.application_id`,
      [applicationSetId],
    );
    return rows;
  }

  private async observe(
    client: PoolClient,
    tenant: string,
    _setName: string,
    rows: TargetRow[],
    now: Date,
  ): Promise<{ now: Date; targets: Map<string, TargetObservation> }> {
    const windows = await this.windows(client, tenant);
    const targets = new Map<string, TargetObservation>();
    for (const r of rows)
      targets.set(r.application_id, {
        connectivity: r.connectivity,
        staged: renderingOf(r.staged),
        live: renderingOf(r.rendering),
        status:
          r.sync === null
            ? null
            : { bundleId: r.status_bundle_id, sync: r.sync, health: r.health ?? 'Unknown' },
        window: windowObservation(
          windows,
          {
            application: r.name,
            cluster: { name: r.cluster_name ?? '' },
            namespace: r.namespace,
          },
          now,
        ),
      });
    return { now, targets };
  }

  private async append(
    client: PoolClient,
    rolloutId: string,
    expected: number | 'no_stream',
    events: RolloutEvent[],
    actor: RolloutActor,
    tenantId: string | undefined,
  ): Promise<number> {
    if (events.length === 0) return 0;
    try {
      await this.store.append(
        rolloutStream(rolloutId),
        expected === 0 ? 'no_stream' : expected,
        events,
        { ...metadataOf(actor), ...(tenantId ? { tenantId } : {}) },
        { client },
      );
    } catch (error) {
      if (error instanceof ConcurrencyError)
        throw new DomainError('CONFLICT', 'the rollout changed meanwhile; try again');
      throw error;
    }
    return events.length;
  }

  /** The `ApplicationRendered` of every target the events update or roll back. */
  private async releaseUpdates(
    client: PoolClient,
    events: RolloutEvent[],
    tenant: string,
    rolloutId: string,
  ): Promise<number> {
    const releases = events.flatMap((e) =>
      e.type === 'RolloutTargetsUpdated' || e.type === 'RolloutRolledBack' ? e.data.targets : [],
    );
    return this.release(client, releases, ROLLOUT_ACTOR, tenant, rolloutId);
  }

  /** Appends `ApplicationRendered` with each rendering to the Application's delivery stream. */
  private async release(
    client: PoolClient,
    releases: readonly { applicationId: string; clusterId: string; rendering: Rendering }[],
    actor: RolloutActor,
    tenant: string,
    rolloutId: string | null,
  ): Promise<number> {
    if (releases.length === 0) return 0;
    const streams = releases.map((r) => deliveryStream(r.applicationId));
    const versions = await client.query<{ stream_id: string; v: number }>(
      `SELECT stream_id, max(stream_version) AS v FROM events WHERE stream_id = ANY($1)
        GROUP BY stream_id`,
      [streams],
    );
    const versionOf = new Map(versions.rows.map((r) => [r.stream_id, r.v]));
    for (const { applicationId, clusterId, rendering } of releases) {
      const stream = deliveryStream(applicationId);
      const version = versionOf.get(stream) ?? 0;
      await this.store.append(
        stream,
        version === 0 ? 'no_stream' : version,
        [
          {
            type: 'ApplicationRendered',
            data: { clusterId, ...rendering },
            eventId: applicationEventId(
              stream,
              version + 1,
              `released/${rolloutId ?? 'direct'}/${rendering.digest}/${rendering.bundleId}`,
            ),
          },
        ],
        {
          ...metadataOf(actor),
          tenantId: tenant,
          ...(rolloutId ? { correlationId: rolloutId } : {}),
        },
        { client },
      );
    }
    return releases.length;
  }
}

/** A digest of every (Application, bundle) a rollout brings. */
function revisionOf(rows: TargetRow[]): string {
  return canonicalDigest(
    rows
      .map((r) => [r.application_id, r.staged!.bundleId])
      .sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
  );
}
