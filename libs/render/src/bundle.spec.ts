import { createHash } from 'node:crypto';
import { canonicalJson } from '@flotilla/domain';
import {
  isOwnedBy,
  OWNER_LABEL,
  TRACKING_ANNOTATION,
  trackingId,
  withOwnership,
} from '@flotilla/kube';
import { buildBundle } from './bundle';
import type { ManifestObject } from './manifest-documents';
import { RenderError } from './render-error';

const APP_A = '3f6c1b8e-0d2a-4c55-9a57-1b2c3d4e5f60';
const APP_B = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string, extra = {}) => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...extra,
});

const refusal = (fn: () => unknown): RenderError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof RenderError) return error;
    throw error;
  }
  throw new Error('expected a RenderError');
};

describe('buildBundle', () => {
  const objects: ManifestObject[] = [
    obj('v1', 'Service', 'web', 'shop'),
    obj('apps/v1', 'Deployment', 'web', 'shop', { spec: { replicas: 2, selector: {} } }),
    obj('v1', 'ConfigMap', 'b', 'shop'),
    obj('v1', 'ConfigMap', 'a', 'shop'),
    obj('v1', 'Namespace', 'shop'),
    obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
  ];

  it('sorts by group, kind, namespace and name, and addresses the canonical text by SHA-256', () => {
    const bundle = buildBundle(objects);
    expect(
      bundle.manifests.map(
        (m) => `${m.apiVersion} ${m.kind} ${(m.metadata as { name: string }).name}`,
      ),
    ).toEqual([
      'v1 ConfigMap a',
      'v1 ConfigMap b',
      'v1 Namespace shop',
      'v1 Service web',
      'apps/v1 Deployment web',
      'rbac.authorization.k8s.io/v1 ClusterRole reader',
    ]);
    const text = canonicalJson(bundle.manifests);
    expect(JSON.stringify(bundle.manifests)).toBe(text); // keys are sorted
    expect(bundle.id).toBe(createHash('sha256').update(text).digest('hex'));
    expect(bundle.sizeBytes).toBe(Buffer.byteLength(text));
    expect(bundle.objectCount).toBe(6);
  });

  it('does not depend on input order, key order, or the Application', () => {
    const reordered = [...objects]
      .reverse()
      .map((o) => Object.fromEntries(Object.entries(o).reverse()));
    expect(buildBundle(reordered).id).toBe(buildBundle(objects).id);
    // What a source says about ownership is dropped: the applier sets it per Application.
    const claimed = objects.map((o) => withOwnership(o, APP_B));
    expect(buildBundle(claimed).id).toBe(buildBundle(objects).id);
    expect(JSON.stringify(buildBundle(claimed).manifests)).not.toContain('flotilla.dev');
  });

  it('changes id when content changes', () => {
    const changed = [...objects.slice(1), obj('v1', 'Service', 'web', 'shop', { spec: { a: 1 } })];
    expect(buildBundle(changed).id).not.toBe(buildBundle(objects).id);
  });

  it('refuses more objects than the limit, with the numbers', () => {
    const err = refusal(() => buildBundle(objects, { maxObjects: 5 }));
    expect(err.code).toBe('TooManyObjects');
    expect(err.message).toBe('the source renders 6 objects; a bundle holds at most 5');
  });

  it('refuses a bundle over the size limit, with the numbers', () => {
    const size = buildBundle(objects).sizeBytes;
    expect(buildBundle(objects, { maxBytes: size }).sizeBytes).toBe(size);
    const err = refusal(() => buildBundle(objects, { maxBytes: size - 1 }));
    expect(err.code).toBe('BundleTooLarge');
    expect(err.message).toBe(
      `the rendered manifests take ${size} bytes; a bundle holds at most ${size - 1} bytes`,
    );
  });

  it('refuses the default 5 MiB', () => {
    const big = obj('v1', 'ConfigMap', 'big', 'x', { data: { blob: 'x'.repeat(5 * 1024 * 1024) } });
    expect(refusal(() => buildBundle([big])).code).toBe('BundleTooLarge');
  });

  it.each([
    [
      'no apiVersion',
      { kind: 'ConfigMap', metadata: { name: 'a' } },
      'ConfigMap "a": apiVersion is required',
    ],
    [
      'no name',
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'j-' } },
      'Job (batch/v1): metadata.name is required (generateName is not supported)',
    ],
    ['no kind', { apiVersion: 'v1', metadata: { name: 'a' } }, 'an object "a": kind is required'],
  ])('refuses an object with %s', (_n, object, message) => {
    const err = refusal(() => buildBundle([object]));
    expect(err.code).toBe('InvalidManifest');
    expect(err.message).toBe(message);
  });

  it('refuses values JSON cannot hold (YAML .nan / .inf)', () => {
    const err = refusal(() =>
      buildBundle([obj('v1', 'ConfigMap', 'n', 'x', { data: { v: NaN } })]),
    );
    expect(err.code).toBe('InvalidManifest');
    expect(err.message).toBe('a manifest is not JSON: v: NaN is not JSON');
  });

  it('refuses the same object twice', () => {
    const err = refusal(() =>
      buildBundle([
        obj('v1', 'ConfigMap', 'a', 'x'),
        obj('v1', 'ConfigMap', 'a', 'x', { data: {} }),
      ]),
    );
    expect(err.message).toBe('/ConfigMap:x/a is rendered twice: each object must appear once');
  });

  it('is the same for an empty source', () => {
    expect(buildBundle([])).toMatchObject({ manifests: [], objectCount: 0, sizeBytes: 2 });
  });
});

describe('ownership', () => {
  const deployment = obj('apps/v1', 'Deployment', 'web', 'shop', {
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  });
  const role = obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader');

  it('labels and annotates a copy with the Application id and the tracking id', () => {
    const owned = withOwnership(deployment, APP_A);
    expect(owned.metadata).toEqual({
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web', [OWNER_LABEL]: APP_A },
      annotations: { [TRACKING_ANNOTATION]: `${APP_A}:apps/Deployment:shop/web` },
    });
    expect(deployment.metadata).toEqual({ name: 'web', namespace: 'shop', labels: { app: 'web' } });
    expect(trackingId(APP_A, role)).toBe(`${APP_A}:rbac.authorization.k8s.io/ClusterRole:/reader`);
    expect(trackingId(APP_A, obj('v1', 'ConfigMap', 'c', 'ns'))).toBe(`${APP_A}:/ConfigMap:ns/c`);
  });

  it('only counts objects carrying both the label and a matching annotation as owned', () => {
    const owned = withOwnership(deployment, APP_A);
    expect(isOwnedBy(owned, APP_A)).toBe(true);
    expect(isOwnedBy(owned, APP_B)).toBe(false);
    expect(isOwnedBy(deployment, APP_A)).toBe(false);
    // The label alone (e.g. copied by hand): not ours.
    const labelOnly = {
      ...deployment,
      metadata: { ...deployment.metadata, labels: { [OWNER_LABEL]: APP_A } },
    };
    expect(isOwnedBy(labelOnly, APP_A)).toBe(false);
    // The annotation of another object (copied manifest, renamed): not ours.
    const renamed = { ...owned, metadata: { ...(owned.metadata as object), name: 'other' } };
    expect(isOwnedBy(renamed, APP_A)).toBe(false);
    expect(isOwnedBy({ kind: 'Broken' }, APP_A)).toBe(false);
  });

  it('refuses an Application id that is not a label value', () => {
    expect(() => withOwnership(role, 'x'.repeat(64))).toThrow(/not a label value/);
  });
});
