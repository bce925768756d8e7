import { DomainError } from '@flotilla/domain';

/** The largest page a connection serves. */
export const MAX_PAGE_SIZE = 500;

/** Validates `first` (1..500) and a position cursor (`after`), naming the argument at fault. */
export function pageArgs(
  first: number,
  after: string | null | undefined,
): { first: number; after?: bigint } {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `first: must be between 1 and ${MAX_PAGE_SIZE}`,
      'first',
    );
  }
  if (after === undefined || after === null) return { first };
  if (!/^\d{1,19}$/.test(after)) {
    throw new DomainError(
      'BAD_USER_INPUT',
      'after: must be a cursor returned by this connection',
      'after',
    );
  }
  return { first, after: BigInt(after) };
}

/** Validates `first` and a name cursor (`after`) for connections ordered by name. */
export function pageArgsByName(
  first: number,
  after: string | null | undefined,
): { first: number; after?: string } {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `first: must be between 1 and ${MAX_PAGE_SIZE}`,
      'first',
    );
  }
  return after === undefined || after === null ? { first } : { first, after };
}
