/**
 * Cluster desired-state revisions kept in memory, so that heartbeats (thousands a second) can
 * name the revision without a Postgres read: filled on a miss, dropped when the cluster's
 * `NOTIFY` arrives, cleared whenever notifications may have been missed, and not used at all
 * while they are not being received. A notification that arrives while a miss is being read
 * keeps that read out of the cache, so it can never hold a revision older than the last notice.
 */
export class RevisionCache {
  private readonly revisions = new Map<string, string>();
  /** Per cluster, how many notices arrived: a read started before one is stale. */
  private readonly notices = new Map<string, number>();
  private epoch = 0;

  constructor(
    private readonly read: (clusterId: string) => Promise<string>,
    private readonly listening: () => boolean,
  ) {}

  async get(clusterId: string): Promise<string> {
    const cached = this.revisions.get(clusterId);
    if (cached !== undefined && this.listening()) return cached;
    const epoch = this.epoch;
    const notices = this.notices.get(clusterId) ?? 0;
    const revision = await this.read(clusterId);
    if (this.listening() && epoch === this.epoch && notices === (this.notices.get(clusterId) ?? 0))
      this.revisions.set(clusterId, revision);
    return revision;
  }

  /** The cluster's desired state may have changed. */
  notify(clusterId: string): void {
    this.revisions.delete(clusterId);
    this.notices.set(clusterId, (this.notices.get(clusterId) ?? 0) + 1);
  }

  /** Notices may have been missed: forget everything. */
  reset(): void {
    this.revisions.clear();
    this.notices.clear();
    this.epoch++;
  }
}
