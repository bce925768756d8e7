import type { EventNotifier } from './event-notifier';

/** One pass of a loop: `more` runs the next pass at once; `retryInMs` backs off after a failure. */
export type StepResult = { more: boolean; retryInMs?: number };

/**
 * Runs `step` until it reports no more work, then sleeps until the notifier wakes it or the idle
 * poll interval passes (a safety net for notifications lost during a reconnect). Never spins:
 * a failing step waits `retryInMs` before the next pass.
 */
export class WakeLoop {
  private running = false;
  private wakeRequested = false;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private unsubscribe: (() => void) | null = null;
  private done: Promise<void> | null = null;

  constructor(
    private readonly step: () => Promise<StepResult>,
    private readonly notifier: EventNotifier | null,
    private readonly idlePollMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.notifier?.subscribe(() => this.wake()) ?? null;
    this.done = this.run();
  }

  /** Asks for another pass as soon as the current one ends. */
  wake(): void {
    this.wakeRequested = true;
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
    }
  }

  /** Stops after the pass in progress; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.wakeRequested = false;
      const result = await this.step();
      if (!this.running) break;
      if (result.more && result.retryInMs === undefined) continue;
      if (this.wakeRequested && result.retryInMs === undefined) continue;
      await this.sleep(result.retryInMs ?? this.idlePollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeper = null;
        resolve();
      }, ms);
      this.sleeper = {
        timer,
        resolve: () => {
          this.sleeper = null;
          resolve();
        },
      };
    });
  }
}
