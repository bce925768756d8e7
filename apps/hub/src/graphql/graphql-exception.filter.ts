import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { GqlContextType } from '@nestjs/graphql';

/**
 * Hands GraphQL errors to Apollo untouched: they are mapped and logged once, in formatError
 * (graphql.options.ts). Nest's own handler would log every one again at error level, a line per
 * request while Postgres is down. Errors of plain HTTP routes keep Nest's default handling.
 */
@Catch()
export class GraphqlErrorPassThrough extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<GqlContextType>() === 'graphql') return exception;
    return super.catch(exception, host);
  }
}
