import { labelValueErrors } from '@flotilla/domain';

/** The label that says which Application created an object (its id, a 36-character uuid). */
export const OWNER_LABEL = 'flotilla.dev/application';
/**
 * The annotation that says which object of which Application it is
 * (`<application id>:<group>/<kind>:<namespace>/<name>`, like Argo CD's annotation tracking), so a
 * copied label alone does not make an object ours.
 */
export const TRACKING_ANNOTATION = 'flotilla.dev/tracking-id';

/** A manifest or live object as plain JSON. */
export type ObjectJson = Record<string, unknown>;

/** Which object a manifest is: the parts of its tracking id. */
export interface ObjectRef {
  /** `''` for the core group. */
  group: string;
  kind: string;
  /** `''` when the manifest names none (cluster-scoped, or the destination's by default). */
  namespace: string;
  name: string;
}

/** A manifest that does not name an object (no apiVersion, kind or name, or a bad namespace). */
export class InvalidObjectError extends Error {
  override readonly name = 'InvalidObjectError';
}

/** The value as a JSON object, or undefined. */
export const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** The object's reference; throws {@link InvalidObjectError} without apiVersion, kind or name. */
export function objectRef(object: ObjectJson): ObjectRef {
  const { apiVersion, kind } = object;
  const metadata = asRecord(object.metadata) ?? {};
  const { name, namespace } = metadata;
  const what =
    `${typeof kind === 'string' ? kind : 'an object'} ${typeof name === 'string' ? JSON.stringify(name) : ''}`.trim();
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new InvalidObjectError(`${what}: apiVersion is required`);
  }
  if (typeof kind !== 'string' || kind === '') {
    throw new InvalidObjectError(`${what}: kind is required`);
  }
  if (typeof name !== 'string' || name === '') {
    throw new InvalidObjectError(
      `${kind} (${apiVersion}): metadata.name is required (generateName is not supported)`,
    );
  }
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    throw new InvalidObjectError(
      `${kind} ${JSON.stringify(name)}: metadata.namespace must be a string`,
    );
  }
  const slash = apiVersion.lastIndexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    kind,
    namespace: namespace ?? '',
    name,
  };
}

/** `<group>/<kind>:<namespace>/<name>`, the tracking id's object part. */
export const refKey = (r: ObjectRef): string => `${r.group}/${r.kind}:${r.namespace}/${r.name}`;

/** The tracking annotation's value for `object` of the Application `applicationId`. */
export function trackingId(applicationId: string, object: ObjectJson): string {
  return `${applicationId}:${refKey(objectRef(object))}`;
}

/**
 * A copy of `object` with the ownership label and tracking annotation of `applicationId`, for the
 * applier. Call it on the object as it will be applied (with the namespace the destination gives
 * it), so that the tracking id matches what the cluster holds.
 */
export function withOwnership<T extends ObjectJson>(object: T, applicationId: string): T {
  const problems = labelValueErrors(applicationId);
  if (problems.length > 0) {
    throw new Error(
      `application id ${JSON.stringify(applicationId)} is not a label value: ${problems.join('; ')}`,
    );
  }
  const metadata = asRecord(object.metadata) ?? {};
  return {
    ...object,
    metadata: {
      ...metadata,
      labels: { ...asRecord(metadata.labels), [OWNER_LABEL]: applicationId },
      annotations: {
        ...asRecord(metadata.annotations),
        [TRACKING_ANNOTATION]: trackingId(applicationId, object),
      },
    },
  };
}

/**
 * True only when a live object carries both the ownership label and the tracking annotation of
 * `applicationId`, and the annotation names this very object: pruning touches nothing else.
 */
export function isOwnedBy(object: ObjectJson, applicationId: string): boolean {
  const metadata = asRecord(object.metadata);
  if (asRecord(metadata?.labels)?.[OWNER_LABEL] !== applicationId) return false;
  let expected: string;
  try {
    expected = trackingId(applicationId, object);
  } catch {
    return false;
  }
  return asRecord(metadata?.annotations)?.[TRACKING_ANNOTATION] === expected;
}
