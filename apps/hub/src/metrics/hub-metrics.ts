import { AGENT_PATHS } from '@flotilla/contracts';
import type { DeliveryEvent } from '@flotilla/domain';
import {
  BoundedLabel,
  counterOf,
  createMetricsRegistry,
  histogramOf,
  METRICS,
  registerFleetGauges,
  secondsSince,
  type Registry,
} from '@flotilla/metrics';
import { fleetMetricsSnapshot } from '@flotilla/projections';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Pool } from 'pg';

/** Agent protocol routes as labels: the paths of AGENT_PATHS with their parameters left out. */
const AGENT_ROUTES: readonly { route: string; pattern: RegExp }[] = Object.entries(AGENT_PATHS).map(
  ([route, path]) => ({
    route,
    pattern: new RegExp(`^${path.replace(/:\w+/g, '[^/]+')}/?$`),
  }),
);

function agentRoute(path: string): string {
  return AGENT_ROUTES.find((r) => r.pattern.test(path))?.route ?? 'other';
}

/** The status a finished response had, or `aborted` when the client left first (a long-poll). */
function statusOf(res: Response): string {
  return res.writableFinished ? String(res.statusCode) : 'aborted';
}

/**
 * The hub's metrics, on a registry of its own (one per hub instance): GraphQL operations, agent
 * protocol and webhook requests, drift recorded from agent reports, and the read-model gauges.
 */
export class HubMetrics {
  readonly registry: Registry = createMetricsRegistry({ app: 'hub' });
  readonly graphqlRequests = counterOf(this.registry, METRICS.graphqlRequests);
  readonly graphqlDuration = histogramOf(this.registry, METRICS.graphqlDuration);
  readonly graphqlErrors = counterOf(this.registry, METRICS.graphqlErrors);
  /** Operation names come from clients: at most 200 distinct ones are kept. */
  readonly operations = new BoundedLabel(200);
  /** Error codes are a closed set already; the bound only guards against a mapping bug. */
  readonly errorCodes = new BoundedLabel(50);
  private readonly agentApiRequests = counterOf(this.registry, METRICS.agentApiRequests);
  private readonly agentApiDuration = histogramOf(this.registry, METRICS.agentApiDuration);
  private readonly webhookRequests = counterOf(this.registry, METRICS.webhookRequests);
  private readonly driftReports = counterOf(this.registry, METRICS.driftReports);

  constructor(pool: Pool, logger: Logger) {
    registerFleetGauges(this.registry, () => fleetMetricsSnapshot(pool), {
      onError: (error) => logger.warn({ err: error.message }, 'metrics: read-model query failed'),
    });
  }

  /** Express middleware for the agent protocol prefix: counts and times each request. */
  agentApiMiddleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      const start = performance.now();
      const route = agentRoute(req.path);
      res.once('close', () => {
        const labels = { route, status: statusOf(res) };
        this.agentApiRequests.inc(labels);
        this.agentApiDuration.observe(labels, secondsSince(start));
      });
      next();
    };
  }

  /** Express middleware for the Git webhook path: counts deliveries by status answered. */
  webhookMiddleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (_req, res, next) => {
      res.once('close', () => this.webhookRequests.inc({ status: statusOf(res) }));
      next();
    };
  }

  /** Counts the drift among events a status report appended. */
  recordDrift(events: readonly DeliveryEvent[], reporter: 'agent' | 'push'): void {
    for (const event of events) {
      if (event.type !== 'ApplicationDriftDetected') continue;
      this.driftReports.inc({ corrected: String(event.data.corrected), reporter });
    }
  }
}
