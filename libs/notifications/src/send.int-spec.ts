import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendNotification } from './send';

describe('sendNotification (real HTTP)', () => {
  let server: http.Server;
  let port: number;
  const seen: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
      else if (req.url === '/busy') res.writeHead(429).end('slow down');
      else if (req.url === '/hang') return;
      else res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const send = (path: string, allowPrivateNetworks = true, host = '127.0.0.1') =>
    sendNotification(
      `http://${host}:${port}${path}`,
      '{}',
      {},
      {
        timeoutMs: 500,
        allowPrivateNetworks,
      },
    );

  it('answers ok for any 2xx, and says why otherwise, with whether a retry can help', async () => {
    expect(await send('/ok')).toEqual({ ok: true, status: 204, error: null, retry: false });
    expect(await send('/redirect')).toEqual({
      ok: false,
      status: 302,
      error: 'HTTP 302 (redirects are not followed)',
      retry: false,
    });
    expect(await send('/busy')).toEqual({
      ok: false,
      status: 429,
      error: 'HTTP 429: slow down',
      retry: true,
    });
    expect(await send('/hang')).toEqual({
      ok: false,
      status: null,
      error: 'no answer within 0.5 s',
      retry: true,
    });
  });

  it('refuses private addresses, literal or resolved, without connecting', async () => {
    const before = seen.length;
    const literal = await send('/ok', false);
    expect(literal).toMatchObject({ ok: false, retry: false });
    expect(literal.error).toMatch(/127\.0\.0\.1 resolves to a private address/);
    const resolved = await send('/ok', false, 'localhost');
    expect(resolved).toMatchObject({ ok: false, retry: false });
    expect(resolved.error).toMatch(
      /localhost resolves to a private address \((127\.0\.0\.1|::1)\)/,
    );
    expect(seen.length).toBe(before);
  });
});
