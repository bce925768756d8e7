import type { KubeConfig } from '@kubernetes/client-node';
import { DomainError } from '@flotilla/domain';
import { pruneOrder } from '../apply-order';
import type { KubeObject } from '../kube-object';
import { asRecord, isOwnedBy, type ObjectJson } from '../ownership';
import { ClusterWatch } from './cluster-watch';
import {
  desiredSet,
  prepareObject,
  skipped,
  syncWaves,
  type PreparedObject,
} from './desired-objects';
import { Inventory } from './inventory';
import { apiMessage, KubeApi, type KindInfo } from './kube-api';
import {
  buildReport,
  driftOf,
  healthOf,
  outcomeOf,
  unknownReport,
  type ResourceOutcome,
} from './report';
import { apiVersionOf, headerOf, keyId, keyOf } from './resource-key';
import type {
  ApplicationRemoval,
  ApplicationReport,
  ClusterApplier,
  DesiredApplication,
  Manifest,
  RemovalReport,
  ResourceDriftReport,
  ResourceKey,
} from './sync.types';

/** Where {@link ClusterSync} reports what it could not do (nothing is thrown past it). */
export interface SyncLogger {
  warn(message: string): void;
}

/** Options of {@link ClusterSync}; all optional. */
export interface ClusterSyncOptions {
  /** The server-side apply field manager (default `flotilla`). */
  fieldManager?: string;
  /** Where inventories are kept (default `flotilla-system`, created when missing). */
  inventoryNamespace?: string;
  now?: () => Date;
  logger?: SyncLogger;
  /** Waits between retries (default: a timer); tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request on transient failures (default 4). */
  retryAttempts?: number;
  /** Debounce of `watch` callbacks (default 200 ms). */
  watchDebounceMs?: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The cluster applier over @kubernetes/client-node: server-side apply in Argo CD's order with
 * sync waves, an in-cluster inventory per Application for pruning, Argo CD's health rules, and
 * drift on the fields we manage. One per cluster; it caches discovery and inventories.
 */
export class ClusterSync implements ClusterApplier {
  private readonly api: KubeApi;
  private readonly inventory: Inventory;
  private readonly fieldManager: string;
  private readonly now: () => Date;
  /** resourceVersion our last write got back, per object: its watch echo is not a change. */
  private readonly ownWrites = new Map<string, string>();
  private readonly ownDeletes = new Set<string>();
  private readonly appliedKinds = new Map<string, string>();
  private watcher: ClusterWatch | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: ClusterSyncOptions = {},
  ) {
    this.fieldManager = options.fieldManager ?? 'flotilla';
    this.now = options.now ?? (() => new Date());
    this.api = new KubeApi(kubeConfig, {
      attempts: options.retryAttempts ?? 4,
      baseDelayMs: 200,
      sleep: options.sleep ?? defaultSleep,
    });
    this.inventory = new Inventory(
      this.api,
      options.inventoryNamespace ?? 'flotilla-system',
      this.fieldManager,
    );
  }

  /** @inheritdoc */
  async apply(app: DesiredApplication): Promise<ApplicationReport> {
    try {
      const prior = (await this.inventory.read(app.id)) ?? [];
      const known = new Set(prior.map(keyId));
      const recorded = new Map(prior.map((k) => [keyId(k), k]));
      const outcomes: ResourceOutcome[] = [];
      let stopped = false;
      for (const wave of syncWaves(app.manifests)) {
        if (stopped) {
          outcomes.push(...wave.map((m) => skipped(keyOf(m))));
          continue;
        }
        const prepared = await Promise.all(wave.map((m) => this.prepare(app, m)));
        for (const p of prepared) if (p.ok) recorded.set(keyId(keyOf(p.object)), keyOf(p.object));
        // Recorded before anything is created, so a crash mid-sync cannot orphan an object.
        await this.inventory.write(app.id, recorded.values());
        const results = await Promise.all(
          prepared.map((p) => (p.ok ? this.applyNew(app, p, known) : p.outcome)),
        );
        outcomes.push(...results);
        stopped = results.some((o) => o.failed);
      }
      const desiredIds = desiredSet(app, outcomes);
      const leftovers = prior.filter((k) => !desiredIds.has(keyId(k)));
      const pending = await this.prune(app, leftovers, app.prune && !stopped);
      const foreign = new Set(outcomes.filter((o) => o.foreign).map((o) => keyId(o.key)));
      const kept = [...recorded.values()].filter(
        (k) => desiredIds.has(keyId(k)) && !foreign.has(keyId(k)),
      );
      await this.inventory.write(app.id, [...kept, ...pending.map((o) => o.key)]);
      return buildReport(app, outcomes, pending, { observedAt: this.observedAt() });
    } catch (error) {
      return this.failedReport(app, error);
    }
  }

  /** @inheritdoc */
  async assess(app: DesiredApplication): Promise<ApplicationReport> {
    try {
      const prior = (await this.inventory.read(app.id)) ?? [];
      const prepared = await Promise.all(app.manifests.map((m) => this.prepare(app, m)));
      const drift: ResourceDriftReport[] = [];
      const outcomes = await Promise.all(
        prepared.map(async (p) => {
          if (!p.ok) return p.outcome;
          const key = keyOf(p.object);
          const live = await this.api.get(p.object);
          const outcome = outcomeOf(key, p.object, live, app.id);
          const drifted = outcome.foreign ? undefined : driftOf(key, p.object, live);
          if (drifted) drift.push(drifted);
          if (!app.selfHeal || outcome.foreign || (live && !drifted)) return outcome;
          // Self-heal: put the drifted (or deleted) object back, as Argo CD's automated sync does.
          return this.applyPrepared(app, key, p.object, p.kind);
        }),
      );
      const desiredIds = desiredSet(app, outcomes);
      const pending = await this.prune(
        app,
        prior.filter((k) => !desiredIds.has(keyId(k))),
        false,
      );
      return buildReport(app, outcomes, pending, {
        observedAt: this.observedAt(),
        drift: drift.sort((a, b) => (keyId(a) < keyId(b) ? -1 : 1)),
        driftCorrected: app.selfHeal && drift.length > 0,
      });
    } catch (error) {
      return this.failedReport(app, error);
    }
  }

  /** @inheritdoc */
  async remove(removal: ApplicationRemoval): Promise<RemovalReport> {
    const recorded = await this.inventory.read(removal.id);
    const keys = recorded ?? [];
    let removed = 0;
    if (!removal.preserveResources) {
      const lives = await Promise.all(keys.map((k) => this.api.get(headerOf(k))));
      const owned = lives.filter((l): l is ObjectJson => !!l && isOwnedBy(l, removal.id));
      for (const live of pruneOrder(owned as KubeObject[]) as ObjectJson[]) {
        this.ownDeletes.add(keyId(keyOf(live)));
        if (await this.api.delete(live)) removed += 1;
      }
    }
    if (recorded !== undefined) await this.inventory.drop(removal.id);
    return {
      id: removal.id,
      removed,
      preserved: removal.preserveResources,
      observedAt: this.observedAt(),
    };
  }

  /** @inheritdoc */
  async watch(onChange: (applicationId: string) => void): Promise<() => void> {
    this.watcher?.stop();
    const watcher = new ClusterWatch(this.kubeConfig, onChange, {
      debounceMs: this.options.watchDebounceMs ?? 200,
      restartDelayMs: 1000,
      isOwnWrite: (type, object) => this.isOwnWrite(type, object),
    });
    this.watcher = watcher;
    await Promise.all([...this.appliedKinds.values()].map((path) => watcher.ensure({ path })));
    return () => {
      watcher.stop();
      if (this.watcher === watcher) this.watcher = undefined;
    };
  }

  private prepare(app: DesiredApplication, manifest: Manifest): Promise<PreparedObject> {
    return prepareObject(app, manifest, (v, k) => this.api.kind(v, k));
  }

  private async applyNew(
    app: DesiredApplication,
    prepared: Extract<PreparedObject, { ok: true }>,
    known: ReadonlySet<string>,
  ): Promise<ResourceOutcome> {
    const key = keyOf(prepared.object);
    if (!known.has(keyId(key))) {
      // Not in our inventory: it may be someone else's, and we never take an object over.
      const live = await this.api.get(prepared.object);
      if (live && !isOwnedBy(live, app.id)) return outcomeOf(key, prepared.object, live, app.id);
    }
    return this.applyPrepared(app, key, prepared.object, prepared.kind);
  }

  private async applyPrepared(
    app: DesiredApplication,
    key: ResourceKey,
    object: ObjectJson,
    kind: KindInfo,
  ): Promise<ResourceOutcome> {
    let live: ObjectJson;
    try {
      live = await this.api.apply(object, this.fieldManager);
    } catch (error) {
      return { key, sync: 'OutOfSync', health: null, message: apiMessage(error), failed: true };
    }
    const version = asRecord(live.metadata)?.resourceVersion;
    if (typeof version === 'string') this.ownWrites.set(keyId(key), version);
    this.rememberKind(key, kind);
    return outcomeOf(key, object, live, app.id);
  }

  /**
   * Leftovers (in the inventory, gone from the manifests): deleted when `prune`, else reported
   * as awaiting pruning. Only objects still carrying this Application's ownership count.
   */
  private async prune(
    app: DesiredApplication,
    leftovers: readonly ResourceKey[],
    prune: boolean,
  ): Promise<ResourceOutcome[]> {
    const lives = await Promise.all(leftovers.map((k) => this.api.get(headerOf(k))));
    const owned = lives.filter((l): l is ObjectJson => !!l && isOwnedBy(l, app.id));
    const pending: ResourceOutcome[] = [];
    const waiting = (live: ObjectJson, message: string): ResourceOutcome => ({
      key: keyOf(live),
      sync: 'OutOfSync',
      health: healthOf(live)?.status ?? null,
      message,
      live,
    });
    for (const live of pruneOrder(owned as KubeObject[]) as ObjectJson[]) {
      if (!prune) {
        pending.push(waiting(live, 'requires pruning'));
        continue;
      }
      try {
        this.ownDeletes.add(keyId(keyOf(live)));
        await this.api.delete(live);
      } catch (error) {
        pending.push(waiting(live, `pruning failed: ${apiMessage(error)}`));
      }
    }
    return pending;
  }

  private rememberKind(key: ResourceKey, kind: KindInfo): void {
    const id = `${apiVersionOf(key)}|${key.kind}`;
    if (this.appliedKinds.has(id)) return;
    const path = `/${key.group ? 'apis' : 'api'}/${apiVersionOf(key)}/${kind.plural}`;
    this.appliedKinds.set(id, path);
    void this.watcher?.ensure({ path });
  }

  private isOwnWrite(type: string, object: ObjectJson): boolean {
    const id = keyId(keyOf(object));
    if (type === 'DELETED') return this.ownDeletes.delete(id);
    return this.ownWrites.get(id) === asRecord(object.metadata)?.resourceVersion;
  }

  private failedReport(app: DesiredApplication, error: unknown): ApplicationReport {
    const message = apiMessage(error);
    const report = unknownReport(app, message, this.observedAt());
    // An invalid sync-wave annotation is the manifests' fault, not an unreadable cluster.
    if (error instanceof DomainError) return { ...report, sync: 'OutOfSync' };
    this.options.logger?.warn(`application ${app.id}: ${message}`);
    return report;
  }

  private observedAt(): string {
    return this.now().toISOString();
  }
}
