import { applyOrder, syncWave } from '../apply-order';
import type { KubeObject } from '../kube-object';
import { asRecord, objectRef, withOwnership, type ObjectJson } from '../ownership';
import type { KindInfo } from './kube-api';
import { keyId, keyOf } from './resource-key';
import type { DesiredApplication, Manifest, ResourceKey } from './sync.types';
import type { ResourceOutcome } from './report';

/** A manifest ready to apply (namespace defaulted, ownership added), or why it is not. */
export type PreparedObject =
  { ok: true; object: ObjectJson; kind: KindInfo } | { ok: false; outcome: ResourceOutcome };

function isFirst(object: KubeObject): boolean {
  const [group] = (object.apiVersion ?? '').split('/');
  return (
    (object.kind === 'Namespace' && object.apiVersion === 'v1') ||
    (object.kind === 'CustomResourceDefinition' && group === 'apiextensions.k8s.io')
  );
}

/**
 * The manifests in apply order, cut into sync waves: Namespaces and CRDs form the first, then
 * one wave per `argocd.argoproj.io/sync-wave` value. Throws when a wave annotation is invalid.
 */
export function syncWaves(manifests: readonly Manifest[]): Manifest[][] {
  const ordered = applyOrder(manifests as readonly KubeObject[]) as Manifest[];
  const waves: Manifest[][] = [];
  let last: string | undefined;
  for (const manifest of ordered) {
    const object = manifest as KubeObject;
    const wave = isFirst(object) ? 'first' : String(syncWave(object));
    if (wave !== last || waves.length === 0) waves.push([]);
    waves[waves.length - 1]?.push(manifest);
    last = wave;
  }
  return waves;
}

const failed = (manifest: Manifest, message: string): PreparedObject => ({
  ok: false,
  outcome: { key: keyOf(manifest), sync: 'OutOfSync', health: null, message, failed: true },
});

/**
 * Prepares one manifest for `app`: checks it names an object, that the server serves its kind,
 * gives a namespaced object without a namespace the destination's, and adds our ownership.
 */
export async function prepareObject(
  app: DesiredApplication,
  manifest: Manifest,
  kindOf: (apiVersion: string, kind: string) => Promise<KindInfo | undefined>,
): Promise<PreparedObject> {
  let ref;
  try {
    ref = objectRef(manifest);
  } catch (error) {
    return failed(manifest, (error as Error).message);
  }
  const apiVersion = String(manifest.apiVersion);
  const kind = await kindOf(apiVersion, ref.kind);
  if (!kind)
    return failed(manifest, `the server has no resource for ${apiVersion}, Kind=${ref.kind}`);
  const metadata = { ...asRecord(manifest.metadata) };
  if (kind.namespaced) {
    const namespace = ref.namespace || app.namespace;
    if (!namespace) {
      return failed(
        manifest,
        `${ref.kind} ${ref.name} is namespaced: it names no namespace and the destination namespace is empty`,
      );
    }
    metadata.namespace = namespace;
  } else {
    delete metadata.namespace;
  }
  return { ok: true, object: withOwnership({ ...manifest, metadata }, app.id), kind };
}

/** A manifest of a wave after a failed one. */
export const skipped = (key: ResourceKey): ResourceOutcome => ({
  key,
  sync: 'OutOfSync',
  health: null,
  message: 'not applied: an earlier sync wave failed',
});

/**
 * The keys of the desired objects. One that could not be prepared or was skipped carries the
 * namespace its manifest names, maybe none: it may stand for the object in the destination
 * namespace too, which must then not count as a leftover.
 */
export function desiredSet(
  app: DesiredApplication,
  outcomes: readonly ResourceOutcome[],
): Set<string> {
  const ids = new Set<string>();
  for (const { key } of outcomes) {
    ids.add(keyId(key));
    if (key.namespace === '' && app.namespace) ids.add(keyId({ ...key, namespace: app.namespace }));
  }
  return ids;
}
