import { applicationEventId, applicationId } from './application-ids';
import { applicationDigest } from './application.events';
import { canonicalDigest, canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('drops undefined members, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });

  it('sorts by code point, not locale', () => {
    expect(canonicalJson({ b: 1, B: 2, 'a-2': 3, a10: 4 })).toBe('{"B":2,"a-2":3,"a10":4,"b":1}');
  });

  it.each([[NaN], [Infinity], [() => 1], [10n], [[undefined]]])('refuses %p', (value) => {
    expect(() => canonicalJson({ x: value })).toThrow(TypeError);
  });
});

describe('applicationDigest', () => {
  const spec = {
    project: 'default',
    source: { repoURL: 'https://git/x', path: 'apps', targetRevision: 'main' },
    destination: { server: 'https://10.0.0.1', namespace: 'apps' },
  };
  const metadata = { labels: { env: 'prod', team: 'a' }, annotations: {}, finalizers: ['f'] };

  it('does not depend on key order', () => {
    const reordered = {
      destination: { namespace: 'apps', server: 'https://10.0.0.1' },
      source: { targetRevision: 'main', path: 'apps', repoURL: 'https://git/x' },
      project: 'default',
    };
    const metaReordered = {
      finalizers: ['f'],
      annotations: {},
      labels: { team: 'a', env: 'prod' },
    };
    expect(applicationDigest(reordered, metaReordered)).toBe(applicationDigest(spec, metadata));
  });

  it('is the SHA-256 of the canonical {metadata, spec}, and stable across releases', () => {
    const digest = applicationDigest(spec, metadata);
    expect(digest).toBe(canonicalDigest({ spec, metadata }));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    // Pinned: a change here changes every stored digest and updates every Application once.
    expect(applicationDigest({}, { labels: {}, annotations: {}, finalizers: [] })).toBe(
      canonicalDigest({ metadata: { annotations: {}, finalizers: [], labels: {} }, spec: {} }),
    );
  });

  it('changes with any value, a finalizer order included', () => {
    const base = applicationDigest(spec, metadata);
    expect(applicationDigest({ ...spec, project: 'other' }, metadata)).not.toBe(base);
    expect(applicationDigest(spec, { ...metadata, finalizers: ['f', 'g'] })).not.toBe(
      applicationDigest(spec, { ...metadata, finalizers: ['g', 'f'] }),
    );
  });
});

describe('ids', () => {
  const set = '0b3c6a4e-2f7d-4c1e-9a55-6d2f3b8e9c10';

  it('derives an Application id from its ApplicationSet and name, the same every time', () => {
    expect(applicationId(set, 'guestbook-prod')).toBe(applicationId(set, 'guestbook-prod'));
    expect(applicationId(set, 'guestbook-prod')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(applicationId(set, 'a')).not.toBe(applicationId(set, 'b'));
    expect(applicationId(set, 'a')).not.toBe(
      applicationId('1b3c6a4e-2f7d-4c1e-9a55-6d2f3b8e9c10', 'a'),
    );
  });

  it('derives event ids from stream, version and discriminator', () => {
    const id = applicationEventId('application-x', 1, 'run-1');
    expect(applicationEventId('application-x', 1, 'run-1')).toBe(id);
    expect(applicationEventId('application-x', 2, 'run-1')).not.toBe(id);
    expect(applicationEventId('application-x', 1, 'run-2')).not.toBe(id);
    expect(applicationEventId('application-y', 1, 'run-1')).not.toBe(id);
  });
});
