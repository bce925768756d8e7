import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import { secretCredentialStore } from './secret-credential.store';

const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const credential = {
  clusterId: 'f60ef6f8-44b3-4cd4-8ddb-92f76590940b',
  credential: 'flt_cls_NAEHLoDhLBWy92-Qgju_zHg91FGHXtVSvMaDq7et0l0',
  credentialExpiresAt: '2026-03-31T10:00:00.000Z',
  receivedAt: '2026-03-01T10:00:00.000Z',
  hubUrl: 'https://flotilla.example.com',
};

describe('secretCredentialStore against kube-sim', () => {
  let sim: KubeSim;
  let cluster: SimCluster;
  beforeAll(async () => {
    sim = await startKubeSim();
    cluster = sim.addCluster('east');
    cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flotilla' } });
  });
  afterAll(() => sim.close());

  const store = (name: string) =>
    secretCredentialStore(loadKubeConfig(cluster.kubeconfigYaml()), 'flotilla', name);
  const data = (name: string) =>
    cluster.get(SECRET, 'flotilla', name)?.['data'] as Record<string, string> | undefined;

  it('has no credential while the Secret does not exist', async () => {
    expect(await store('absent').load()).toBeUndefined();
  });

  it('creates the Secret, reads it back, and replaces it on rotation', async () => {
    const s = store('flotilla-agent-credential');
    await s.save(credential);
    const secret = cluster.get(SECRET, 'flotilla', 'flotilla-agent-credential');
    expect(secret).toMatchObject({
      type: 'Opaque',
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'flotilla-agent' } },
    });
    expect(
      Object.fromEntries(
        Object.entries(data('flotilla-agent-credential') ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString('utf8'),
        ]),
      ),
    ).toEqual(credential);
    expect(await s.load()).toEqual(credential);

    const rotated = { ...credential, credential: 'flt_cls_rotated' };
    await store('flotilla-agent-credential').save(rotated);
    expect(await s.load()).toEqual(rotated);
  });

  it('leaves out hubUrl when the record has none', async () => {
    const { hubUrl: _, ...older } = credential;
    await store('older').save(older);
    expect(Object.keys(data('older') ?? {}).sort()).toEqual([
      'clusterId',
      'credential',
      'credentialExpiresAt',
      'receivedAt',
    ]);
    expect(await store('older').load()).toEqual(older);
  });

  it('refuses a damaged Secret instead of reporting no credential (that would re-register)', async () => {
    cluster.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'damaged', namespace: 'flotilla' },
      data: { credential: Buffer.from('flt_cls_x').toString('base64') },
    });
    await expect(store('damaged').load()).rejects.toThrow(/Secret flotilla\/damaged is damaged/);
  });

  it('names the Secret and the API answer when it cannot write', async () => {
    const missing = secretCredentialStore(
      loadKubeConfig(cluster.kubeconfigYaml()),
      'no-such-namespace',
      'flotilla-agent-credential',
    );
    await expect(missing.save(credential)).rejects.toThrow(
      /^writing Secret no-such-namespace\/flotilla-agent-credential failed: HTTP 404: /,
    );
  });
});
