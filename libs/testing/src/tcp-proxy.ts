import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 that a test can cut: it stands for a Postgres or Redis that goes
 * away and comes back, without touching the real one (other people's tests use it).
 */
export interface TcpProxy {
  /** The port it listens on (the same across cut and restore). */
  readonly port: number;
  /** Rewrites `url`'s host and port to the proxy's (e.g. a DATABASE_URL or REDIS_URL). */
  url(url: string): string;
  /** Destroys every connection and stops listening: new connections are refused. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Connections forwarded so far (a client that reconnected shows here). */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 that forwards to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const newServer = (): Server =>
    createServer((client) => {
      accepted++;
      const upstream = connect(target.port, target.host);
      track(client);
      track(upstream);
      // Either side ending or failing ends both, as a lost network path would.
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  const listen = (server: Server, port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = async (server: Server | null) => {
    // Stop accepting first, so that no connection slips in while the others are destroyed.
    const closed = server?.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  };

  let server: Server | null = newServer();
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    url(raw: string) {
      const url = new URL(raw);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    async cut() {
      const current = server;
      server = null;
      await stop(current);
    },
    async restore() {
      if (server) return;
      server = newServer();
      await listen(server, port);
    },
    async close() {
      const current = server;
      server = null;
      await stop(current);
    },
  };
}
