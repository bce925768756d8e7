import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import { ClusterSync } from './cluster-sync';
import type { DesiredApplication, Manifest } from './sync.types';

const APP = '3f6c1b8e-0d2a-4c55-9a57-1b2c3d4e5f60';
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };

const configMap = (name: string, extra: Record<string, unknown> = {}, ns?: string): Manifest => ({
  ...CM,
  metadata: { name, ...(ns ? { namespace: ns } : {}), ...extra },
  data: { key: name },
});

const app = (
  manifests: Manifest[],
  over: Partial<DesiredApplication> = {},
): DesiredApplication => ({
  id: APP,
  name: 'shop',
  namespace: 'shop',
  bundleId: 'b1',
  commit: 'c1',
  manifests,
  prune: true,
  selfHeal: false,
  ...over,
});

describe('ClusterSync requests', () => {
  let sim: KubeSim;
  let cluster: SimCluster;

  beforeEach(async () => {
    sim = await startKubeSim();
    cluster = sim.addCluster('c1');
  });
  afterEach(() => sim.close());

  it('retries transient server errors with backoff', async () => {
    const proxy = await failingProxy(sim.url, 2);
    try {
      const kc = new KubeConfig();
      kc.loadFromString(cluster.kubeconfigYaml().replace(sim.url, proxy.url));
      const delays: number[] = [];
      const flaky = new ClusterSync(kc, { sleep: (ms) => (delays.push(ms), Promise.resolve()) });
      const report = await flaky.apply(app([configMap('a')], { namespace: 'default' }));
      expect(report.sync).toBe('Synced');
      expect(proxy.failed()).toBe(2);
      expect(delays).toEqual([200, 400]);
    } finally {
      proxy.server.close();
    }
  });

  it('takes one request per object to re-apply an unchanged Application', async () => {
    const proxy = await failingProxy(sim.url, 0);
    try {
      const kc = new KubeConfig();
      kc.loadFromString(cluster.kubeconfigYaml().replace(sim.url, proxy.url));
      const sync = new ClusterSync(kc);
      const desired = app([configMap('a'), configMap('b'), configMap('c')], {
        namespace: 'default',
      });
      expect((await sync.apply(desired)).sync).toBe('Synced');
      proxy.requests();
      expect((await sync.apply(desired)).sync).toBe('Synced');
      expect(proxy.requests().sort()).toEqual([
        'PATCH /api/v1/namespaces/default/configmaps/a',
        'PATCH /api/v1/namespaces/default/configmaps/b',
        'PATCH /api/v1/namespaces/default/configmaps/c',
      ]);
    } finally {
      proxy.server.close();
    }
  });
});

/** Forwards to kube-sim, answering the first `failures` PATCH requests with 503. */
async function failingProxy(target: string, failures: number) {
  let failed = 0;
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(
      `${req.method ?? ''} ${(req.url ?? '').replace(/^\/clusters\/[^/]+/, '').replace(/\?.*$/, '')}`,
    );
    if (req.method === 'PATCH' && failed < failures) {
      failed += 1;
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 503, message: 'try again' }));
      return;
    }
    const upstream = request(
      `${target}${req.url ?? ''}`,
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failed: () => failed,
    requests: () => seen.splice(0),
  };
}
