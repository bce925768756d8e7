import {
  applicationSetsProjection,
  applicationsProjection,
  clustersProjection,
  tenantsProjection,
} from '@flotilla/projections';
import type { Pool } from 'pg';

/** The read models a generation plans from. */
const GENERATION_INPUTS = [
  tenantsProjection,
  clustersProjection,
  applicationsProjection,
  applicationSetsProjection,
].map((p) => ({ name: p.name, version: p.version }));

/**
 * Waits until the read models a generation reads have processed the log up to `head` (read
 * when the job started), so that the plan sees every change that triggered it, our own writes
 * of an earlier run included. Throws after `timeoutMs` (the job is retried).
 */
export async function waitForReadModels(
  pool: Pool,
  head: bigint,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const { rows } = await pool.query<{ name: string; position: string }>(
      `SELECT name, position FROM projection_checkpoints
        WHERE (name, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`,
      [GENERATION_INPUTS.map((p) => p.name), GENERATION_INPUTS.map((p) => p.version)],
    );
    const behind = GENERATION_INPUTS.filter((p) => {
      const row = rows.find((r) => r.name === p.name);
      return !row || BigInt(row.position) < head;
    });
    if (behind.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `read models behind the log head ${head} after ${timeoutMs} ms: ${behind.map((p) => p.name).join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
