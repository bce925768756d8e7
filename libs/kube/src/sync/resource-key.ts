import { asRecord, type ObjectJson } from '../ownership';
import type { ResourceKey } from './sync.types';

/** The resource key of an object as applied (its namespace already defaulted). */
export function keyOf(object: ObjectJson): ResourceKey {
  const apiVersion = String(object.apiVersion ?? '');
  const slash = apiVersion.lastIndexOf('/');
  const metadata = asRecord(object.metadata) ?? {};
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: String(object.kind ?? ''),
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
  };
}

/** One string per object, for sets and maps (the version is left out: one object, any version). */
export const keyId = (k: ResourceKey): string => `${k.group}/${k.kind}/${k.namespace}/${k.name}`;

/** `group/version` as `apiVersion` spells it. */
export const apiVersionOf = (k: ResourceKey): string =>
  k.group ? `${k.group}/${k.version}` : k.version;

/** The object header (apiVersion, kind, name, namespace) that reads and deletes need. */
export function headerOf(k: ResourceKey): ObjectJson {
  return {
    apiVersion: apiVersionOf(k),
    kind: k.kind,
    metadata: k.namespace ? { name: k.name, namespace: k.namespace } : { name: k.name },
  };
}

/** `Kind namespace/name` for messages. */
export const describeKey = (k: ResourceKey): string =>
  `${k.kind} ${k.namespace ? `${k.namespace}/` : ''}${k.name}`;
