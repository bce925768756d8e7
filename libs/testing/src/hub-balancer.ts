// A round-robin HTTP proxy in front of several hub processes: what a Kubernetes Service does for
// the hub's replicas, so that agents and consoles in scale-out tests see one address and every
// request may land on any replica.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The proxy's address and what each upstream served. */
export interface HubBalancer {
  readonly url: string;
  /** Requests each upstream answered, by kind (`graphql`, `agent` for /api/agent, `other`). */
  served(): Record<'graphql' | 'agent' | 'other', number[]>;
  close(): Promise<void>;
}

const kindOf = (path: string): 'graphql' | 'agent' | 'other' =>
  path.startsWith('/graphql') ? 'graphql' : path.startsWith('/api/agent/') ? 'agent' : 'other';

/**
 * Starts a proxy that sends each request to the next of `upstreams` in turn (per kind). An upstream that
 * refuses the connection (a killed replica) is skipped for that request, as a Service skips a
 * pod that is gone; a request cut off mid-answer is cut off for the client too (it retries).
 */
export async function startHubBalancer(upstreams: readonly string[]): Promise<HubBalancer> {
  const served = {
    graphql: upstreams.map(() => 0),
    agent: upstreams.map(() => 0),
    other: upstreams.map(() => 0),
  };
  // Round robin per kind, so that a test's GraphQL calls alternate whatever the agents do.
  const next = { graphql: 0, agent: 0, other: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const kind = kindOf(req.url ?? '/');
      const first = next[kind]++ % upstreams.length;
      const attempt = (tried: number) => {
        const index = (first + tried) % upstreams.length;
        const target = new URL(req.url ?? '/', upstreams[index]);
        const upstream = http.request(
          target,
          {
            method: req.method,
            headers: { ...req.headers, host: target.host },
            agent: false,
          },
          (answer) => {
            served[kind][index]!++;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (res.headersSent) return void res.destroy();
          if (error.code === 'ECONNREFUSED' && tried + 1 < upstreams.length)
            return attempt(tried + 1);
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: error.message } }));
        });
        // A client that goes away (a long poll given up) ends the upstream request too.
        res.on('close', () => upstream.destroy());
        upstream.end(body);
      };
      attempt(0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served: () => ({
      graphql: [...served.graphql],
      agent: [...served.agent],
      other: [...served.other],
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
