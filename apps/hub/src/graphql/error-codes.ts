import { DomainError, type DomainErrorCode } from '@flotilla/domain';
import {
  ConcurrencyError,
  EventSchemaError,
  IdempotencyConflictError,
} from '@flotilla/event-store';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { downService, type BackingService } from '../infra/backing-services';

/** The closed set of `extensions.code` values the API returns. */
export type ApiErrorCode = DomainErrorCode | 'QUERY_TOO_COMPLEX' | 'INTERNAL';

/** Apollo's own codes for requests that never reached a resolver. */
const REQUEST_CODES: Record<string, ApiErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
};

/** What a caller is told when a backing service is down (the API's words, no addresses). */
export function unavailableMessage(service: BackingService): string {
  return service === 'Postgres'
    ? 'the database (Postgres) is unavailable; try again shortly'
    : 'the job queue (Redis) is unavailable; try again shortly';
}

export interface MappedError {
  code: ApiErrorCode;
  message: string;
  field?: string;
  /** Set when the cause must be logged (it is not shown to the caller). */
  internal?: unknown;
  /** Set when Postgres or Redis is down: reported to the outage log (not one line per request). */
  unavailable?: unknown;
}

/** Maps any error thrown while serving a request to one code of the closed set. */
export function mapError(formatted: GraphQLFormattedError, original: unknown): MappedError {
  const cause = (original as { originalError?: unknown })?.originalError ?? original;
  if (cause instanceof DomainError) {
    return {
      code: cause.code,
      message: cause.message,
      ...(cause.field ? { field: cause.field } : {}),
    };
  }
  if (cause instanceof ConcurrencyError || cause instanceof IdempotencyConflictError) {
    return { code: 'CONFLICT', message: `${cause.message}; reload and try again` };
  }
  if (cause instanceof EventSchemaError) return { code: 'BAD_USER_INPUT', message: cause.message };
  const down = downService(cause);
  if (down) return { code: 'UNAVAILABLE', message: unavailableMessage(down), unavailable: cause };
  const apolloCode = formatted.extensions?.['code'];
  if (typeof apolloCode === 'string' && REQUEST_CODES[apolloCode]) {
    return { code: REQUEST_CODES[apolloCode], message: formatted.message };
  }
  // A GraphQLError that no resolver threw is about the request itself (variables that do not
  // coerce, for one): the client's to fix, and its message names the field.
  if (cause instanceof GraphQLError && !cause.originalError && !formatted.path) {
    return { code: 'BAD_USER_INPUT', message: formatted.message };
  }
  return { code: 'INTERNAL', message: 'internal error', internal: cause };
}
