import { DomainError } from '@flotilla/domain';
import type { Authz } from '../application-sets/tenant-visibility';
import { rolloutSetObject } from './rollout.mapper';

/** NOT_FOUND for a rollout, worded the same whether it is missing or hidden. */
export const rolloutNotFound = (id: string) =>
  new DomainError('NOT_FOUND', `rollout ${id} not found`);

/** What deciding who may act on a rollout (or start one) needs to know of it. */
export interface RolloutScope {
  tenant: string;
  applicationSetName: string;
  /** The Applications it moves (or, to start one, the ApplicationSet's live Applications). */
  applicationNames: readonly string[];
}

/** May the caller see the rollout? Exactly when it may `get` the rollout's ApplicationSet. */
export const canRead = (authz: Authz, r: { tenant: string; applicationSetName: string }) =>
  authz.can('applicationsets', 'get', rolloutSetObject(r));

/**
 * A rollout decides what runs on its Applications' clusters, so acting on one (start, promote,
 * pause, resume, abort, override a window) is Argo CD's `applications, sync`, on each Application
 * it moves (objects `<tenant>/<application>`, as `objectOf` names them), so a policy that denies
 * syncing some of them denies the rollout. A caller who may not see the rollout gets `notFound`
 * (nothing leaks that it exists); one who may see it but not sync gets FORBIDDEN.
 */
export function authoriseDeploy(
  authz: Authz,
  scope: RolloutScope,
  notFound: () => DomainError,
  what: string,
): void {
  if (!canRead(authz, scope)) throw notFound();
  // With no Applications (yet), the ApplicationSet's own name stands for them.
  const names =
    scope.applicationNames.length > 0 ? scope.applicationNames : [scope.applicationSetName];
  const denied = names.find(
    (name) => !authz.can('applications', 'sync', `${scope.tenant}/${name}`),
  );
  if (denied !== undefined)
    throw new DomainError(
      'FORBIDDEN',
      `you may not ${what}: it needs applications, sync on ${scope.tenant}/${denied}`,
    );
}

/** The most characters a reason or comment may have (the events' own limit). */
export const MAX_TEXT = 1024;

/**
 * A reason or comment as recorded: at most {@link MAX_TEXT} characters; a `required` one must
 * say something. Errors name the argument.
 */
export function checkText(
  value: string | null | undefined,
  field: string,
  required: boolean,
): string {
  const text = value ?? '';
  if (text.length > MAX_TEXT)
    throw new DomainError(
      'BAD_USER_INPUT',
      `${field}: must be at most ${MAX_TEXT} characters`,
      field,
    );
  if (required && text.trim() === '')
    throw new DomainError('BAD_USER_INPUT', `${field}: must not be empty`, field);
  return text;
}

/** A step index as given (null: the first step waiting at the gate); the engine checks range. */
export function checkStep(step: number | null | undefined): number | undefined {
  if (step === null || step === undefined) return undefined;
  if (!Number.isInteger(step) || step < 0)
    throw new DomainError('BAD_USER_INPUT', 'step: must be a step index (0 or more)', 'step');
  return step;
}
