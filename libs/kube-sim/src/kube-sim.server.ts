import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './cluster-router';
import type { SimClusterOptions } from './kube-sim.types';
import { SimCluster } from './sim-cluster';
import { StatusError } from './status-error';

/** Options of {@link startKubeSim}. */
export interface KubeSimOptions {
  /** The clock stamped into timestamps (default: the system clock). */
  now?: () => Date;
}

/** A running fake API server holding any number of simulated clusters. */
export interface KubeSim {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Adds a cluster served under `/clusters/<name>`; names are unique. */
  addCluster(name: string, options?: SimClusterOptions): SimCluster;
  /** The cluster of that name, or undefined. */
  cluster(name: string): SimCluster | undefined;
  /** Stops serving a cluster and ends its watches. */
  removeCluster(name: string): void;
  /** Ends every connection and stops the server. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts an in-process fake Kubernetes API server on 127.0.0.1 (a free port). Each cluster
 * added is served under `/clusters/<name>`, so one process can simulate a whole fleet.
 */
export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const now = options.now ?? (() => new Date());
  const clusters = new Map<string, SimCluster>();

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/clusters\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const cluster = match ? clusters.get(decodeURIComponent(match[1] ?? '')) : undefined;
    if (!match || !cluster) {
      const status = new StatusError('NotFound', `no simulated cluster at ${url.pathname}`);
      return sendJson(res, 404, status.toStatus());
    }
    const body = req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req);
    cluster.handle(
      {
        method: req.method ?? 'GET',
        path: match[2] ?? '/',
        query: url.searchParams,
        headers: req.headers,
        body,
      },
      res,
    );
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      const status = new StatusError('BadRequest', `internal error: ${(err as Error).message}`);
      sendJson(res, 500, { ...status.toStatus(), code: 500, reason: 'InternalError' });
    });
  });
  // Idle keep-alive connections stay open as long as a real API server keeps them (Go's idle
  // timeout is minutes), not Node's 5 s: a client reusing a socket the server is just closing
  // gets ECONNRESET, which a busy fleet of thousands of clients in one process hits often.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    addCluster(name, clusterOptions = {}) {
      if (clusters.has(name)) throw new Error(`kube-sim: cluster "${name}" already exists`);
      const cluster = new SimCluster(
        name,
        `${url}/clusters/${encodeURIComponent(name)}`,
        clusterOptions,
        now,
      );
      clusters.set(name, cluster);
      return cluster;
    },
    cluster: (name) => clusters.get(name),
    removeCluster(name) {
      clusters.get(name)?.close();
      clusters.delete(name);
    },
    close() {
      for (const cluster of clusters.values()) cluster.close();
      server.closeAllConnections();
      return new Promise((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}
