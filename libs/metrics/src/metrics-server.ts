import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** `http://host:port`, the port the server really got. */
  url: string;
  port: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** A readiness check: each dependency's state, `ok` when it answers. */
export type ReadinessCheck = () => Promise<Record<string, string>>;

/**
 * Serves `GET /metrics` (the registry's text, in its content type) for processes without an
 * HTTP API of their own (worker, agent), and the probes Kubernetes needs: `/healthz` (the
 * process answers) and `/readyz` (every dependency of `ready` answers `ok`; 503 naming the one
 * that does not). Anything else is 404. The caller decides whether to start it (METRICS_PORT 0
 * means off); port 0 here picks a free port (tests).
 */
export async function serveMetrics(
  registry: Registry,
  listen: { host: string; port: number },
  ready: ReadinessCheck = () => Promise.resolve({}),
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
      return;
    }
    if (path === '/readyz') {
      ready().then(
        (checks) => {
          const up = Object.values(checks).every((v) => v === 'ok');
          res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify({ status: up ? 'ready' : 'not ready', ...checks })}\n`);
        },
        (error: Error) => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify({ status: 'not ready', error: error.message })}\n`);
        },
      );
      return;
    }
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
