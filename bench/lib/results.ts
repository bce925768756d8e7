import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Prints a benchmark's figures and writes them to bench/results/NAME.json (strings say what a
 * figure measured, where a key alone would not).
 */
export function writeBenchResults(name: string, figures: Record<string, number | string>): void {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`\n${name} results (also in ${file}):`);
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(28)} ${value}`);
}

/** Median of a list of numbers (0 for an empty list). */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile of a list of numbers (0 for an empty list). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/**
 * Runs a benchmark's `main` and exits: 0 when it finished, 1 with the stack and what to check
 * when it failed (the hub and worker processes it started must not keep the process alive).
 */
export function runBench(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`${name} bench failed: ${(error as Error).stack ?? String(error)}`);
      console.error('Check that Postgres and Redis answer (npm test checks both) and rerun.');
      process.exit(1);
    },
  );
}
