import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { asRecord, OWNER_LABEL, type ObjectJson } from '../ownership';

/** A kind to watch: the list path of all its objects (`/apis/apps/v1/deployments`). */
export interface WatchedKind {
  path: string;
}

/** Options of {@link ClusterWatch}. */
export interface ClusterWatchOptions {
  /** Calls for the same Application within this window collapse into one. */
  debounceMs: number;
  /** Wait before restarting a watch that ended. */
  restartDelayMs: number;
  /** True when the event is the echo of our own write. */
  isOwnWrite: (type: string, object: ObjectJson) => boolean;
}

/**
 * Watches every kind we applied (objects carrying our ownership label, all namespaces) and
 * calls `onChange(applicationId)`, debounced, for changes made behind our back. A watch that
 * ends is started again; the initial ADDED events of a (re)start are not changes.
 */
export class ClusterWatch {
  private readonly watches = new Map<string, AbortController | undefined>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly onChange: (applicationId: string) => void,
    private readonly options: ClusterWatchOptions,
  ) {}

  /** Starts watching `kind` unless it is watched already. */
  async ensure(kind: WatchedKind): Promise<void> {
    if (this.stopped || this.watches.has(kind.path)) return;
    this.watches.set(kind.path, undefined);
    await this.start(kind.path);
  }

  /** Ends every watch and pending callback. */
  stop(): void {
    this.stopped = true;
    for (const controller of this.watches.values()) controller?.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async start(path: string): Promise<void> {
    if (this.stopped) return;
    try {
      const controller = await new Watch(this.kubeConfig).watch(
        path,
        { labelSelector: OWNER_LABEL },
        (type: string, object: unknown) => this.event(type, asRecord(object) ?? {}),
        () => this.restart(path),
      );
      if (this.stopped) controller.abort();
      else this.watches.set(path, controller);
    } catch {
      this.restart(path);
    }
  }

  private restart(path: string): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(`restart:${path}`);
      void this.start(path);
    }, this.options.restartDelayMs);
    timer.unref();
    this.timers.set(`restart:${path}`, timer);
  }

  private event(type: string, object: ObjectJson): void {
    if (type !== 'MODIFIED' && type !== 'DELETED') return;
    const id = asRecord(asRecord(object.metadata)?.labels)?.[OWNER_LABEL];
    if (typeof id !== 'string' || this.options.isOwnWrite(type, object)) return;
    const pending = this.timers.get(id);
    if (pending) clearTimeout(pending);
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        if (!this.stopped) this.onChange(id);
      }, this.options.debounceMs),
    );
  }
}
