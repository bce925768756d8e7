import { compileLabelSelector, DomainError, parseLabelSelector } from '@flotilla/domain';
import type { KubeObject } from './kube-sim.types';
import { StatusError } from './status-error';

/** A predicate over objects built from `labelSelector` and `fieldSelector` query parameters. */
export type ObjectFilter = (object: KubeObject) => boolean;

function fieldValue(object: KubeObject, path: string): string {
  let current: unknown = object;
  for (const step of path.split('.')) {
    current =
      typeof current === 'object' && current !== null
        ? (current as Record<string, unknown>)[step]
        : undefined;
  }
  return current === undefined || current === null ? '' : String(current);
}

/**
 * Compiles the selectors of a list or watch. Labels use the code base's one selector
 * implementation; fields support `=`, `==` and `!=` on dotted paths such as `metadata.name`.
 * A malformed selector is a 400, as from the API server.
 */
export function objectFilter(labelSelector?: string, fieldSelector?: string): ObjectFilter {
  let labels: ObjectFilter = () => true;
  if (labelSelector) {
    try {
      const compiled = compileLabelSelector(parseLabelSelector(labelSelector, 'labelSelector'));
      labels = (o) => compiled.matches(o.metadata.labels ?? {});
    } catch (err) {
      if (err instanceof DomainError)
        throw new StatusError('BadRequest', `unable to parse requirement: ${err.message}`);
      throw err;
    }
  }
  const terms = (fieldSelector ?? '')
    .split(',')
    .filter(Boolean)
    .map((term) => {
      const match = /^([A-Za-z0-9.]+)\s*(==|!=|=)\s*(.*)$/.exec(term.trim());
      if (!match)
        throw new StatusError(
          'BadRequest',
          `invalid selector: '${fieldSelector}'; can't understand '${term}'`,
        );
      const [, path = '', op, value = ''] = match;
      return (o: KubeObject) => (fieldValue(o, path) === value) === (op !== '!=');
    });
  return (o) => labels(o) && terms.every((t) => t(o));
}
