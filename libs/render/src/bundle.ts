import { createHash } from 'node:crypto';
import { canonicalJson } from '@flotilla/domain';
import {
  asRecord,
  InvalidObjectError,
  objectRef as kubeObjectRef,
  OWNER_LABEL,
  refKey,
  TRACKING_ANNOTATION,
  type ObjectRef,
} from '@flotilla/kube';
import type { ManifestObject } from './manifest-documents';
import { RenderError } from './render-error';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from './render-limits';

// The render int-spec checks bundles against the applier's ownership rules.
export { isOwnedBy, withOwnership } from '@flotilla/kube';

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

/** The object's reference; refuses a manifest without `apiVersion`, `kind` or `metadata.name`. */
export function objectRef(object: ManifestObject): ObjectRef {
  try {
    return kubeObjectRef(object);
  } catch (error) {
    if (error instanceof InvalidObjectError)
      throw new RenderError('InvalidManifest', error.message);
    throw error;
  }
}

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
