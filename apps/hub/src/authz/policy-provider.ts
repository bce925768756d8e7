import { PolicyEngine, type ScopedPolicy } from './policy-engine';

/** Where policy lines come from besides the built-in ones. */
export interface PolicySource {
  /** A cheap token that changes whenever `lines()` would return something else. */
  version(): Promise<string>;
  lines(): Promise<ScopedPolicy[]>;
}

/**
 * The current compiled policy, rebuilt only when a source's version changes. Each request asks
 * the sources for their version (one cheap query), so a policy change made through any hub
 * replica takes effect on the very next request on every replica.
 */
export class PolicyProvider {
  private cached: { key: string; engine: Promise<PolicyEngine> } | null = null;
  private last: PolicyEngine | undefined;

  constructor(
    private readonly staticLines: readonly string[],
    private readonly sources: readonly PolicySource[],
  ) {}

  async current(): Promise<PolicyEngine> {
    const key = (await Promise.all(this.sources.map((s) => s.version()))).join('|');
    if (this.cached?.key !== key) {
      const build = async () => {
        const dynamic = await Promise.all(this.sources.map((s) => s.lines()));
        const engine = await PolicyEngine.create(
          [{ tenant: null, lines: this.staticLines }, ...dynamic.flat()],
          this.last,
        );
        this.last = engine;
        return engine;
      };
      this.cached = { key, engine: build() };
      this.cached.engine.catch(() => {
        this.cached = null; // never keep a failed build
      });
    }
    return this.cached.engine;
  }
}
