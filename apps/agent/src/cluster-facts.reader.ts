import { readClusterFacts, type ClusterFacts } from '@flotilla/kube';
import type { KubeConfig } from '@kubernetes/client-node';

/** One read of the facts: the facts, or why they could not be read. */
export type FactsRead = { ok: true; facts: ClusterFacts } | { ok: false; message: string };

/**
 * Reads the agent's cluster facts through its kubeconfig, bounded by a timeout (the client has
 * none, and a hung API server must not stop heartbeats), and keeps the last facts read so a
 * heartbeat can carry them while the API fails.
 */
export class ClusterFactsReader {
  private last: { at: number; result: FactsRead } | undefined;
  /** The facts of the last successful read. */
  lastKnown: ClusterFacts | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly agentVersion: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * The facts, read again unless the last read (successful or not) is younger than `reuseMs`:
   * retries after a failed heartbeat do not ask the API server again.
   */
  async read(nowMs: number, reuseMs = 0): Promise<FactsRead> {
    if (this.last && nowMs - this.last.at < reuseMs) return this.last.result;
    const result = await this.readOnce();
    this.last = { at: nowMs, result };
    if (result.ok) this.lastKnown = result.facts;
    return result;
  }

  private async readOnce(): Promise<FactsRead> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
    });
    try {
      const read = readClusterFacts(this.kubeConfig, this.agentVersion);
      return { ok: true, facts: await Promise.race([read, timeout]) };
    } catch (error) {
      return { ok: false, message: `reading cluster facts: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
