import type { Pool } from 'pg';
import { BUILTIN_POLICY, PolicyEngine } from './policy-engine';

/** Where policy lines come from besides the built-in ones. */
export interface PolicySource {
  /** A cheap token that changes whenever `lines()` would return something else. */
  version(): Promise<string>;
  lines(): Promise<string[]>;
}

/**
 * The current compiled policy, rebuilt only when a source's version changes. Each request asks
 * the sources for their version (one cheap query), so a policy change made through any hub
 * replica takes effect on the very next request on every replica.
 */
export class PolicyProvider {
  private cached: { key: string; engine: Promise<PolicyEngine> } | null = null;

  constructor(
    private readonly staticLines: readonly string[],
    private readonly sources: readonly PolicySource[],
  ) {}

  async current(): Promise<PolicyEngine> {
    const key = (await Promise.all(this.sources.map((s) => s.version()))).join('|');
    if (this.cached?.key !== key) {
      const build = async () => {
        const dynamic = await Promise.all(this.sources.map((s) => s.lines()));
        return PolicyEngine.create([...BUILTIN_POLICY, ...this.staticLines, ...dynamic.flat()]);
      };
      this.cached = { key, engine: build() };
      this.cached.engine.catch(() => {
        this.cached = null; // never keep a failed build
      });
    }
    return this.cached.engine;
  }
}

/** A source whose version is a projection's checkpoint: it changes when its read model does. */
export function projectionPolicySource(
  pool: Pool,
  projection: { name: string; version: number },
  lines: () => Promise<string[]>,
): PolicySource {
  return {
    async version() {
      const { rows } = await pool.query<{ position: string }>(
        'SELECT position FROM projection_checkpoints WHERE name = $1 AND version = $2',
        [projection.name, projection.version],
      );
      return rows[0]?.position ?? '0';
    },
    lines,
  };
}
