import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { AgentErrorCode } from '@flotilla/contracts';
import { DomainError, type DomainErrorCode } from '@flotilla/domain';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { unavailableMessage } from '../graphql/error-codes';
import { BackingServices, downService } from '../infra/backing-services';
import { LOGGER } from '../infra/tokens';
import { sendAgentError } from './agent-body';

const CODES: Record<DomainErrorCode, AgentErrorCode> = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_REQUEST',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  UNAVAILABLE: 'UNAVAILABLE',
};

/** An error answer that carries a Retry-After (rate limits). */
export class RetryLaterError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message);
  }
}

/** Maps every error of the agent protocol to `{error: {code, message, field?}}` and its status. */
@Catch()
export class AgentErrorFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly outages: BackingServices,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof DomainError) {
      if (error instanceof RetryLaterError) {
        res.setHeader('retry-after', String(error.retryAfterSeconds));
      }
      return sendAgentError(res, CODES[error.code], error.message, error.field);
    }
    const down = downService(error);
    if (down) {
      this.outages.report(error);
      res.setHeader('retry-after', '5');
      return sendAgentError(res, 'UNAVAILABLE', unavailableMessage(down));
    }
    const status = (error as { getStatus?: () => number }).getStatus?.();
    if (status === 404) return sendAgentError(res, 'NOT_FOUND', 'no such agent protocol path');
    this.logger.error({ err: error }, 'agent protocol request failed');
    sendAgentError(res, 'INTERNAL', 'internal error');
  }
}
