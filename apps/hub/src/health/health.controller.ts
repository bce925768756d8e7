import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { Access } from '../auth/access.decorator';
import { ConnectionDrain } from '../infra/connection-drain';
import { PG_POOL, REDIS } from '../infra/tokens';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref(),
    ),
  ]);
}

/** Plain-HTTP probes for Kubernetes: liveness (process up) and readiness (Postgres and Redis answer). */
@Controller()
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly drain: ConnectionDrain,
  ) {}

  @Access('public')
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Access('public')
  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    if (this.drain.draining) {
      // Load balancers stop sending here; requests in flight still finish.
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    const [postgres, redis] = await Promise.all([
      withTimeout(this.pool.query('SELECT 1')).then(
        () => 'ok',
        (e: Error) => `down: ${e.message}`,
      ),
      withTimeout(this.redis.ping()).then(
        () => 'ok',
        (e: Error) => `down: ${e.message}`,
      ),
    ]);
    const ready = postgres === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', postgres, redis });
  }
}
