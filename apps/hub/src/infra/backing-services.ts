import type { HubConfig } from '@flotilla/config';
import { isConnectionError, OutageLog } from '@flotilla/database';
import type { Logger } from 'pino';

export type BackingService = 'Postgres' | 'Redis';

// ioredis says so in its own words; a refused or lost socket without them is Postgres's (pg
// passes the socket error through; ioredis callers see these messages instead).
const REDIS_MESSAGES =
  /Stream isn't writeable|Connection is closed|Reached the max retries per request|enableOfflineQueue/;

/** Which backing service an error says is down, or null when it is not a connection failure. */
export function downService(error: unknown): BackingService | null {
  if (!isConnectionError(error)) return null;
  const message = (error as { message?: unknown })?.message;
  return typeof message === 'string' && REDIS_MESSAGES.test(message) ? 'Redis' : 'Postgres';
}

/**
 * The hub's outage logs: one line when Postgres or Redis goes away (what is wrong, what the hub
 * does meanwhile, what to check), a reminder every 30 s while it lasts, one line when it is back;
 * every connection and request of the hub reports here instead of logging on its own.
 */
export class BackingServices {
  readonly postgres: OutageLog;
  readonly redis: OutageLog;

  constructor(config: HubConfig, logger: Logger) {
    this.postgres = new OutageLog(logger, {
      service: 'Postgres',
      url: config.DATABASE_URL,
      advice:
        'the hub answers 503 (readyz, agents) and UNAVAILABLE (GraphQL) and reconnects on each request; check that Postgres runs and DATABASE_URL points at it',
    });
    this.redis = new OutageLog(logger, {
      service: 'Redis',
      url: config.REDIS_URL,
      advice:
        'readyz answers 503; mutations still succeed (their work is kept in Postgres and queued when Redis is back); reconnecting every 2 s; check that Redis runs and REDIS_URL points at it',
    });
  }

  /** Reports a failure of whichever service `error` is about; false when it is no connection failure. */
  report(error: unknown): boolean {
    const service = downService(error);
    if (service === null) return false;
    (service === 'Redis' ? this.redis : this.postgres).failed(error);
    return true;
  }
}
