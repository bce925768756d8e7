import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadKubeConfig, readClusterFacts } from './cluster-facts';

describe('cluster facts through @kubernetes/client-node against kube-sim', () => {
  let sim: KubeSim;
  beforeAll(async () => {
    sim = await startKubeSim();
  });
  afterAll(() => sim.close());

  it('reads the version and sums allocatable capacity over every node', async () => {
    const cluster = sim.addCluster('facts-1', {
      version: { major: '1', minor: '30', gitVersion: 'v1.30.2+k3s1' },
      nodes: [
        { name: 'a', allocatable: { cpu: '3500m', memory: '16Gi' } },
        { name: 'b', allocatable: { cpu: '4', memory: '16369420Ki' } },
        { name: 'c', allocatable: { cpu: '0.5', memory: '512Mi' } },
      ],
    });
    const facts = await readClusterFacts(loadKubeConfig(cluster.kubeconfigYaml()), '1.2.3');
    expect(facts).toEqual({
      kubernetesVersion: 'v1.30.2+k3s1',
      nodeCount: 3,
      allocatableCpuMillicores: 8000,
      allocatableMemoryBytes: 16 * 2 ** 30 + 16369420 * 1024 + 512 * 2 ** 20,
      agentVersion: '1.2.3',
    });
  });

  it('sees an upgrade and a new node on the next read', async () => {
    const cluster = sim.addCluster('facts-2', {
      version: { major: '1', minor: '29', gitVersion: 'v1.29.3' },
    });
    const kc = loadKubeConfig(cluster.kubeconfigYaml());
    const before = await readClusterFacts(kc, 'x');
    cluster.setVersion({ major: '1', minor: '30', gitVersion: 'v1.30.0' });
    cluster.setNodes([
      { name: 'n1', allocatable: { cpu: '2', memory: '4Gi' } },
      { name: 'n2', allocatable: { cpu: '1', memory: '1Gi' } },
    ]);
    const after = await readClusterFacts(kc, 'x');
    expect(before.kubernetesVersion).toBe('v1.29.3');
    expect(after).toMatchObject({
      kubernetesVersion: 'v1.30.0',
      nodeCount: 2,
      allocatableCpuMillicores: 3000,
    });
  });

  it('names the server and the call when the cluster does not answer', async () => {
    const kc = loadKubeConfig(
      sim
        .addCluster('facts-3', {})
        .kubeconfigYaml()
        .replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1'),
    );
    await expect(readClusterFacts(kc, 'x')).rejects.toThrow(
      /^GET \/version on http:\/\/127\.0\.0\.1:1\/.* failed: ECONNREFUSED/,
    );
  });

  it('names the HTTP status and the Status message when the API server refuses', async () => {
    const cluster = sim.addCluster('facts-4', { token: 'right' });
    const kc = loadKubeConfig(cluster.kubeconfigYaml().replace('token: right', 'token: wrong'));
    await expect(readClusterFacts(kc, 'x')).rejects.toThrow(
      /^GET \/version on http:\/\/127\.0\.0\.1:\d+\/clusters\/facts-4 failed: HTTP 401: Unauthorized$/,
    );
  });

  it('lists nodes page by page with limit and continue, and names a refusal', async () => {
    // kube-sim answers lists in one page, so a tiny API server stands in for a paging one.
    const pages = [
      { items: ['a', 'b'], next: 'page-2' },
      { items: ['c', 'd'], next: 'page-3' },
      { items: ['e'], next: '' },
    ];
    const asked: string[] = [];
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/version') {
        res.end(JSON.stringify({ major: '1', minor: '30', gitVersion: 'v1.30.1' }));
        return;
      }
      if (req.headers.authorization === 'Bearer denied') {
        res.statusCode = 403;
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: 'nodes is forbidden: User "agent" cannot list resource "nodes"',
            reason: 'Forbidden',
            code: 403,
          }),
        );
        return;
      }
      asked.push(
        `limit=${url.searchParams.get('limit')} continue=${url.searchParams.get('continue') ?? ''}`,
      );
      const index = pages.findIndex(
        (_, i) => (i === 0 ? '' : `page-${i + 1}`) === (url.searchParams.get('continue') ?? ''),
      );
      const page = pages[index] ?? { items: [], next: '' };
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'NodeList',
          metadata: page.next ? { continue: page.next } : {},
          items: page.items.map((name) => ({
            metadata: { name },
            status: { allocatable: { cpu: '1', memory: '1Gi' } },
          })),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const kc = loadKubeConfig(
        `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\n`,
      );
      expect(await readClusterFacts(kc, 'x')).toMatchObject({
        nodeCount: 5,
        allocatableCpuMillicores: 5000,
        allocatableMemoryBytes: 5 * 2 ** 30,
      });
      expect(asked).toEqual([
        'limit=500 continue=',
        'limit=500 continue=page-2',
        'limit=500 continue=page-3',
      ]);
      const denied = loadKubeConfig(kc.exportConfig().replace('"token":"t"', '"token":"denied"'));
      await expect(readClusterFacts(denied, 'x')).rejects.toThrow(
        /^list nodes on http:\/\/127\.0\.0\.1:\d+ failed: HTTP 403: nodes is forbidden: User "agent" cannot list resource "nodes"$/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each<[string, string, RegExp]>([
    ['not YAML', '{{{', /not valid YAML or JSON/],
    [
      'no current context',
      'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n',
      /no current-context/,
    ],
    [
      'missing cluster',
      'apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: x, user: u}}]\nclusters: []\nusers: [{name: u, user: {token: t}}]\n',
      /names a missing cluster x/,
    ],
    [
      'no server URL',
      'apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: x, user: u}}]\nclusters: [{name: x, cluster: {server: "ftp://x"}}]\nusers: [{name: u, user: {token: t}}]\n',
      /has no http\(s\) server URL/,
    ],
    [
      'missing user',
      'apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: x, user: u}}]\nclusters: [{name: x, cluster: {server: "https://k.example"}}]\nusers: []\n',
      /names a missing user u/,
    ],
  ])('refuses a kubeconfig with %s', (_, text, message) => {
    expect(() => loadKubeConfig(text)).toThrow(message);
  });
});
