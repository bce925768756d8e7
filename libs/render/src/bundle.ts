import { createHash } from 'node:crypto';
import { canonicalJson, labelValueErrors } from '@flotilla/domain';
import type { ManifestObject } from './manifest-documents';
import { RenderError } from './render-error';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from './render-limits';

/** The label that says which Application created an object (its id, a 36-character uuid). */
export const OWNER_LABEL = 'flotilla.dev/application';
/**
 * The annotation that says which object of which Application it is
 * (`<application id>:<group>/<kind>:<namespace>/<name>`, like Argo CD's annotation tracking), so a
 * copied label alone does not make an object ours.
 */
export const TRACKING_ANNOTATION = 'flotilla.dev/tracking-id';

/**
 * Rendered manifests, addressed by content: `id` is the SHA-256 (hex) of the canonical JSON of
 * `manifests`. A bundle carries no ownership metadata, so every Application (one per cluster)
 * whose source renders the same objects shares one bundle; the applier adds the ownership label
 * and tracking annotation per Application with {@link withOwnership}.
 */
export interface Bundle {
  id: string;
  /** The objects sorted by group, kind, namespace and name, keys sorted. */
  manifests: ManifestObject[];
  objectCount: number;
  /** Bytes of the canonical JSON text the id is computed from. */
  sizeBytes: number;
}

/** Which object a manifest is: the parts of its tracking id. */
export interface ObjectRef {
  /** `''` for the core group. */
  group: string;
  kind: string;
  /** `''` when the manifest names none (cluster-scoped, or the destination's by default). */
  namespace: string;
  name: string;
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** The object's reference; refuses a manifest without `apiVersion`, `kind` or `metadata.name`. */
export function objectRef(object: ManifestObject): ObjectRef {
  const { apiVersion, kind } = object;
  const metadata = asRecord(object.metadata) ?? {};
  const { name, namespace } = metadata;
  const what =
    `${typeof kind === 'string' ? kind : 'an object'} ${typeof name === 'string' ? JSON.stringify(name) : ''}`.trim();
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new RenderError('InvalidManifest', `${what}: apiVersion is required`);
  }
  if (typeof kind !== 'string' || kind === '') {
    throw new RenderError('InvalidManifest', `${what}: kind is required`);
  }
  if (typeof name !== 'string' || name === '') {
    throw new RenderError(
      'InvalidManifest',
      `${kind} (${apiVersion}): metadata.name is required (generateName is not supported)`,
    );
  }
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    throw new RenderError(
      'InvalidManifest',
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

const refKey = (r: ObjectRef): string => `${r.group}/${r.kind}:${r.namespace}/${r.name}`;

// Code-unit order, not locale order: the id must not depend on the worker's locale.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
function byRef(a: ObjectRef, b: ObjectRef): number {
  return (
    compare(a.group, b.group) ||
    compare(a.kind, b.kind) ||
    compare(a.namespace, b.namespace) ||
    compare(a.name, b.name)
  );
}

/**
 * A copy without our ownership label and tracking annotation (a source cannot claim them); a map
 * left empty is dropped, so the copy equals the manifest written without them.
 */
function withoutOwnership(object: ManifestObject): ManifestObject {
  const metadata = asRecord(object.metadata);
  const labels = asRecord(metadata?.labels);
  const annotations = asRecord(metadata?.annotations);
  if (!(labels && OWNER_LABEL in labels) && !(annotations && TRACKING_ANNOTATION in annotations)) {
    return object;
  }
  const meta: Record<string, unknown> = { ...metadata };
  if (labels) {
    const { [OWNER_LABEL]: _label, ...rest } = labels;
    if (Object.keys(rest).length > 0) meta.labels = rest;
    else delete meta.labels;
  }
  if (annotations) {
    const { [TRACKING_ANNOTATION]: _annotation, ...rest } = annotations;
    if (Object.keys(rest).length > 0) meta.annotations = rest;
    else delete meta.annotations;
  }
  return { ...object, metadata: meta };
}

/**
 * The content-addressed bundle of rendered objects. Refuses more than `maxObjects` objects
 * (`TooManyObjects`), canonical JSON over `maxBytes` (`BundleTooLarge`), a manifest without
 * apiVersion, kind or name, and two manifests for the same object (`InvalidManifest`).
 */
export function buildBundle(
  objects: readonly ManifestObject[],
  limits: Partial<Pick<RenderLimits, 'maxBytes' | 'maxObjects'>> = {},
): Bundle {
  const maxObjects = limits.maxObjects ?? DEFAULT_RENDER_LIMITS.maxObjects;
  const maxBytes = limits.maxBytes ?? DEFAULT_RENDER_LIMITS.maxBytes;
  if (objects.length > maxObjects) {
    throw new RenderError(
      'TooManyObjects',
      `the source renders ${objects.length} objects; a bundle holds at most ${maxObjects}`,
    );
  }
  const entries = objects
    .map((object) => ({ ref: objectRef(object), object: withoutOwnership(object) }))
    .sort((a, b) => byRef(a.ref, b.ref));
  for (let i = 1; i < entries.length; i++) {
    const ref = (entries[i] as (typeof entries)[number]).ref;
    if (byRef((entries[i - 1] as (typeof entries)[number]).ref, ref) === 0) {
      throw new RenderError(
        'InvalidManifest',
        `${refKey(ref)} is rendered twice: each object must appear once`,
      );
    }
  }
  let text: string;
  try {
    text = canonicalJson(entries.map((e) => e.object));
  } catch (error) {
    // YAML can say `.nan` or `.inf`; JSON (and Kubernetes) cannot.
    throw new RenderError('InvalidManifest', `a manifest is not JSON: ${(error as Error).message}`);
  }
  const sizeBytes = Buffer.byteLength(text, 'utf8');
  if (sizeBytes > maxBytes) {
    throw new RenderError(
      'BundleTooLarge',
      `the rendered manifests take ${sizeBytes} bytes; a bundle holds at most ${maxBytes} bytes`,
    );
  }
  return {
    id: createHash('sha256').update(text, 'utf8').digest('hex'),
    manifests: JSON.parse(text) as ManifestObject[],
    objectCount: entries.length,
    sizeBytes,
  };
}

/** The tracking annotation's value for `object` of the Application `applicationId`. */
export function trackingId(applicationId: string, object: ManifestObject): string {
  return `${applicationId}:${refKey(objectRef(object))}`;
}

/**
 * A copy of `object` with the ownership label and tracking annotation of `applicationId`, for the
 * applier. Call it on the object as it will be applied (with the namespace the destination gives
 * it), so that the tracking id matches what the cluster holds.
 */
export function withOwnership(object: ManifestObject, applicationId: string): ManifestObject {
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
export function isOwnedBy(object: ManifestObject, applicationId: string): boolean {
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
