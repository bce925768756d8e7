import { HubClient } from './hub-client';

const BUNDLE = 'a'.repeat(64);
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function client(answer: () => Response) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const hub = new HubClient(
    'http://hub.invalid',
    (input, init) => {
      calls.push({ url: String(input), init });
      return Promise.resolve(answer());
    },
    () => 0,
    new AbortController().signal,
  );
  return { hub, calls };
}

describe('HubClient delivery calls', () => {
  it('long-polls /desired with the held revision and reads 304 as no change', async () => {
    const { hub, calls } = client(() => new Response(null, { status: 304 }));
    const answer = await hub.desired('flt_cls_x', 'r-1', 30);
    expect(answer).toEqual({ ok: true, value: { changed: false } });
    const url = new URL(calls[0]?.url ?? '');
    expect(url.pathname).toBe('/api/agent/v1/desired');
    expect(Object.fromEntries(url.searchParams)).toEqual({ revision: 'r-1', waitSeconds: '30' });
    expect(calls[0]?.init?.method).toBe('GET');
    expect((calls[0]?.init?.headers as Record<string, string>)['authorization']).toBe(
      'Bearer flt_cls_x',
    );
  });

  it('returns a new desired state, and omits the revision when none is held', async () => {
    const desired = { clusterId: 'c', revision: 'r-2', applications: [], removals: [] };
    const { hub, calls } = client(() => json(200, desired));
    expect(await hub.desired('flt_cls_x', undefined, 0)).toEqual({
      ok: true,
      value: { changed: true, desired },
    });
    expect(new URL(calls[0]?.url ?? '').searchParams.has('revision')).toBe(false);
  });

  it('refuses a bundle that is not the one asked for', async () => {
    const { hub } = client(() => json(200, { id: 'b'.repeat(64), objectCount: 0, manifests: [] }));
    const answer = await hub.bundle('flt_cls_x', BUNDLE);
    expect(answer).toMatchObject({ ok: false, failure: { kind: 'retry' } });
  });

  it('classifies a missing bundle as refused 404 and a 400 with its field', async () => {
    const missing = client(() => json(404, { error: { code: 'NOT_FOUND', message: 'no' } }));
    expect(await missing.hub.bundle('flt_cls_x', BUNDLE)).toMatchObject({
      ok: false,
      failure: { kind: 'refused', status: 404, code: 'NOT_FOUND' },
    });
    const bad = client(() =>
      json(400, { error: { code: 'BAD_REQUEST', message: 'no', field: 'applications.0.id' } }),
    );
    const answer = await bad.hub.status('flt_cls_x', {
      revision: null,
      applications: [],
      removed: [],
    });
    expect(answer).toMatchObject({
      ok: false,
      failure: { kind: 'refused', status: 400, field: 'applications.0.id' },
    });
  });

  it('treats a 304 where none is expected as a broken answer', async () => {
    const { hub } = client(() => new Response(null, { status: 304 }));
    const answer = await hub.status('flt_cls_x', { revision: null, applications: [], removed: [] });
    expect(answer).toMatchObject({ ok: false, failure: { kind: 'retry' } });
  });
});

describe('HubClient when the agent stops', () => {
  it('ends the long-poll at once but lets a status report finish', async () => {
    const stop = new AbortController();
    const signals: Record<string, AbortSignal | undefined> = {};
    const hub = new HubClient(
      'http://hub.invalid',
      (input, init) => {
        signals[new URL(String(input)).pathname] = init?.signal ?? undefined;
        return Promise.resolve(new Response(null, { status: 304 }));
      },
      () => 0,
      stop.signal,
    );
    await hub.desired('flt_cls_x', 'r-1', 30);
    await hub.status('flt_cls_x', { applications: [] } as never);
    stop.abort();
    expect(signals['/api/agent/v1/desired']?.aborted).toBe(true);
    expect(signals['/api/agent/v1/status']?.aborted).toBe(false);
  });
});
