import type { Manifest } from '@flotilla/kube';

/**
 * Bundles by id, least recently used dropped first. A bundle id is its content's hash, so an
 * entry never goes stale; the bound only keeps memory flat on an agent whose Applications move
 * through many revisions.
 */
export class BundleCache {
  private readonly entries = new Map<string, readonly Manifest[]>();

  constructor(private readonly capacity = 256) {}

  get(bundleId: string): readonly Manifest[] | undefined {
    const manifests = this.entries.get(bundleId);
    if (manifests === undefined) return undefined;
    // Map keeps insertion order: re-inserting makes it the most recently used.
    this.entries.delete(bundleId);
    this.entries.set(bundleId, manifests);
    return manifests;
  }

  set(bundleId: string, manifests: readonly Manifest[]): void {
    this.entries.delete(bundleId);
    this.entries.set(bundleId, manifests);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
