import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import { HUB_METRICS } from '../infra/tokens';
import type { HubMetrics } from './hub-metrics';

/**
 * `GET /metrics` for Prometheus, on the hub's own port and without a token (scrapers carry
 * none). It shows counts by tenant, status words, routes and operation names only: no cluster
 * names, ids, credentials or tokens.
 */
@Controller()
export class MetricsController {
  constructor(@Inject(HUB_METRICS) private readonly metrics: HubMetrics) {}

  @Access('public')
  @Get('metrics')
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.registry.metrics();
    res.status(200).setHeader('content-type', this.metrics.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.end(text);
  }
}
