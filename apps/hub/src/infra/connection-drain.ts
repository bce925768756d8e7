import type { Server, ServerResponse } from 'node:http';

/** What the drain needs of a graphql-ws connection (a `ws` WebSocket). */
export interface SubscriptionSocket {
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/** WebSocket close code 1001: the server is going away; clients reconnect (to another replica). */
export const GOING_AWAY = 1001;

/**
 * How the hub stops without dropping work. `drain()` stops accepting connections, answers the
 * agents' long-polls at once ("nothing new", so they come back to another replica), closes
 * GraphQL subscriptions with 1001, lets every request in flight finish on a connection that then
 * closes, and resolves when none is left. Postgres and Redis close after it (Nest's shutdown hooks).
 */
export class ConnectionDrain {
  private state: 'serving' | 'draining' = 'serving';
  private server: Server | null = null;
  private readonly responses = new Set<ServerResponse>();
  private readonly sockets = new Set<SubscriptionSocket>();
  private readonly hooks: (() => Promise<void>)[] = [];
  private idle: (() => void) | null = null;

  get draining(): boolean {
    return this.state === 'draining';
  }

  /** Requests still being answered. */
  get inFlight(): number {
    return this.responses.size;
  }

  /** Follows the requests of `server` (call once, before it listens). */
  attach(server: Server): void {
    this.server = server;
    server.on('request', (_req, res: ServerResponse) => {
      this.responses.add(res);
      if (this.draining) this.closeAfter(res);
      res.once('close', () => {
        this.responses.delete(res);
        // A keep-alive connection whose answer had started before draining is idle now.
        if (this.draining) setImmediate(() => server.closeIdleConnections());
        if (this.responses.size === 0) this.idle?.();
      });
    });
  }

  /** Follows a graphql-ws connection; one opened while draining is closed at once. */
  trackSubscription(socket: SubscriptionSocket): void {
    if (this.draining) {
      socket.close(GOING_AWAY, 'the hub is shutting down; reconnect');
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Runs `hook` when draining starts (e.g. ending long-polls). */
  onDrain(hook: () => Promise<void>): void {
    this.hooks.push(hook);
  }

  /** Stops taking connections and resolves once every request and subscription has ended. */
  async drain(): Promise<void> {
    this.state = 'draining';
    const server = this.server;
    const closed = server?.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    for (const res of this.responses) this.closeAfter(res);
    for (const socket of this.sockets)
      socket.close(GOING_AWAY, 'the hub is shutting down; reconnect');
    await Promise.all(this.hooks.map((hook) => hook()));
    if (this.responses.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    // Keep-alive connections idle now close; the server's callback waits for the last socket.
    server?.closeIdleConnections();
    await closed;
  }

  /** The connection of `res` closes after it (no keep-alive on a hub that is going away). */
  private closeAfter(res: ServerResponse): void {
    if (!res.headersSent) res.setHeader('connection', 'close');
  }
}
