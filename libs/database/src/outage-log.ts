/** The part of a pino logger an outage log writes to. */
export interface OutageLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface OutageLogOptions {
  /** What is down, as an operator names it: `Postgres`, `Redis`. */
  service: string;
  /** Its URL (credentials are never logged: only host and port are kept). */
  url: string;
  /** What this process does meanwhile and what the operator should check. */
  advice: string;
  /** How often a continuing outage is logged again. Default: 30 s. */
  repeatEveryMs?: number;
  now?: () => number;
}

/** `host:port` of a connection URL, without user, password or database. */
export function endpointOf(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol.startsWith('redis') ? '6379' : '5432');
    return `${parsed.hostname}:${port}`;
  } catch {
    return 'an unparsable URL';
  }
}

const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // Postgres: admin shutdown, crash shutdown, cannot connect now (starting or stopping).
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * Whether an error says a connection to Postgres or Redis failed or was lost (the service is
 * down or unreachable), rather than that a query or command was wrong.
 */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && CONNECTION_ERRNOS.has(code)) return true;
  const message = (error as { message?: unknown })?.message;
  return (
    typeof message === 'string' &&
    // pg: a connection lost mid-query or while connecting; ioredis: offline queue disabled,
    // connection closed, retries per request used up.
    /Connection terminated|Client has encountered a connection error|Stream isn't writeable|Connection is closed|Reached the max retries per request|connect ECONNREFUSED|read ECONNRESET/.test(
      message,
    )
  );
}

/** What went wrong with a connection, in words (the error code stays in the fields). */
export function connectionProblem(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = (error as { message?: unknown })?.message;
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused the connection';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'has a host name that does not resolve';
    case 'ETIMEDOUT':
      return 'did not answer in time';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'closed the connection';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'is not reachable over the network';
    case '57P01':
    case '57P02':
    case '57P03':
      return 'is shutting down or starting up';
  }
  if (typeof message === 'string' && /terminated|closed|ended/i.test(message))
    return 'closed the connection';
  return `failed: ${typeof message === 'string' ? message : String(error)}`;
}

/**
 * Logs a backing service's outage without flooding: the first failure says what is wrong and
 * what to do, a continuing outage is repeated (with the count of failures in between) only every
 * `repeatEveryMs`, and the recovery is logged once. Every connection of a process reports to the
 * same instance, so thirty failing queues still make one line.
 */
export class OutageLog {
  private down: { since: number; lastLogged: number; failures: number } | null = null;
  private readonly endpoint: string;
  private readonly now: () => number;
  private readonly repeatEveryMs: number;

  constructor(
    private readonly logger: OutageLogger,
    private readonly options: OutageLogOptions,
  ) {
    this.endpoint = endpointOf(options.url);
    this.now = options.now ?? Date.now;
    this.repeatEveryMs = options.repeatEveryMs ?? 30_000;
  }

  /** Whether the last thing heard was a failure. */
  get isDown(): boolean {
    return this.down !== null;
  }

  /** Reports a failed connection or command (most are swallowed while the outage lasts). */
  failed(error: unknown): void {
    const now = this.now();
    const code = (error as { code?: unknown })?.code;
    const err = (error as { message?: unknown })?.message ?? String(error);
    const { service, advice } = this.options;
    if (!this.down) {
      this.down = { since: now, lastLogged: now, failures: 1 };
      this.logger.warn(
        { service, endpoint: this.endpoint, code, err },
        `${service} at ${this.endpoint} ${connectionProblem(error)}; ${advice}`,
      );
      return;
    }
    this.down.failures++;
    if (now - this.down.lastLogged < this.repeatEveryMs) return;
    this.down.lastLogged = now;
    const seconds = Math.round((now - this.down.since) / 1000);
    this.logger.warn(
      { service, endpoint: this.endpoint, code, err, failures: this.down.failures, seconds },
      `${service} at ${this.endpoint} still unavailable after ${seconds}s (${this.down.failures} failures); ${advice}`,
    );
  }

  /** Reports a connection that works again; logs the recovery once per outage. */
  recovered(): void {
    if (!this.down) return;
    const seconds = Math.round((this.now() - this.down.since) / 1000);
    const { failures } = this.down;
    this.down = null;
    this.logger.info(
      { service: this.options.service, endpoint: this.endpoint, failures, seconds },
      `${this.options.service} at ${this.endpoint} is reachable again after ${seconds}s`,
    );
  }
}
