import type { WriteScope } from './field-ownership';
import type { KubeObject } from './kube-sim.types';
import { groupVersion, type ResourceType } from './resource-type';
import { StatusError } from './status-error';

/** The body as stored: identity fields set from the URL, a namespace only where one belongs. */
export function normalise(type: ResourceType, namespace: string, body: KubeObject): KubeObject {
  if (!body || typeof body !== 'object')
    throw new StatusError('BadRequest', 'the body must be an object');
  const object = structuredClone(body);
  object.apiVersion = groupVersion(type);
  object.kind = type.kind;
  object.metadata = { ...(object.metadata ?? {}) };
  if (type.namespaced) {
    if (object.metadata.namespace && object.metadata.namespace !== namespace) {
      throw new StatusError(
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    object.metadata.namespace = namespace;
  } else {
    delete object.metadata.namespace;
  }
  return object;
}

/** Keeps what a write in `scope` may not change from `live`. */
export function withinScope(
  type: ResourceType,
  live: KubeObject,
  next: KubeObject,
  scope: WriteScope = 'main',
): KubeObject {
  const out = structuredClone(next);
  if (scope === 'status') return { ...structuredClone(live), status: out['status'] };
  if (type.status) {
    if (live['status'] === undefined) delete out['status'];
    else out['status'] = structuredClone(live['status']);
  }
  return out;
}
