import type { LoggerService } from '@nestjs/common';
import { createLogger as createAppLogger } from '@flotilla/tracing';
import type { Logger } from 'pino';

/** The process's structured JSON logger: the request's ids on every line (see @flotilla/tracing). */
export function createLogger(level: string, name: string): Logger {
  return createAppLogger(name, level);
}

/** Routes Nest's own log lines into pino, so every line is JSON. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
