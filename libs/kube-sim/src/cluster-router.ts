import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { bucketOf, type ClusterState, type PatchType } from './cluster-state';
import { coreVersions, groupInfo, groupList, resourceList, versionInfo } from './discovery';
import type { KubeObject, SimVersion } from './kube-sim.types';
import { objectFilter } from './list-filter';
import { groupVersion, type ResourceType } from './resource-type';
import { StatusError } from './status-error';

/** One parsed request to a simulated cluster. */
export interface ClusterRequest {
  method: string;
  /** The path below the cluster prefix, e.g. `/apis/apps/v1/namespaces/default/deployments`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the router needs of a cluster. */
export interface RoutedCluster {
  state: ClusterState;
  version: SimVersion;
}

interface Target {
  type: ResourceType;
  namespace: string;
  name?: string;
  subresource?: string;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/apply-patch+yaml': 'apply',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

/** Sends `body` as JSON with `code`. */
export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function resolveTarget(state: ClusterState, gv: string, rest: string[]): Target | undefined {
  const [first, second, third, fourth, fifth] = rest;
  if (first === 'namespaces' && second && third) {
    const type = state.typeAt(gv, third);
    if (type?.namespaced) return { type, namespace: second, name: fourth, subresource: fifth };
  }
  if (!first) return undefined;
  const type = state.typeAt(gv, first);
  if (!type) return undefined;
  return { type, namespace: '', name: second, subresource: third };
}

/** Serves discovery and resource requests of one cluster. */
export function routeClusterRequest(
  cluster: RoutedCluster,
  req: ClusterRequest,
  res: ServerResponse,
): void {
  const steps = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  const { state } = cluster;
  if (req.path === '/version' || req.path === '/version/')
    return sendJson(res, 200, versionInfo(cluster.version));
  if (steps[0] === 'api' && steps.length === 1) return sendJson(res, 200, coreVersions());
  if (steps[0] === 'apis' && steps.length === 1) return sendJson(res, 200, groupList(state.types));
  if (steps[0] === 'apis' && steps.length === 2) {
    const group = groupInfo(steps[1] ?? '', state.types);
    return group ? sendJson(res, 200, group) : notFoundPath(res, req.path);
  }
  const gv = steps[0] === 'api' ? (steps[1] ?? '') : `${steps[1]}/${steps[2]}`;
  const rest = steps.slice(steps[0] === 'api' ? 2 : 3);
  if (steps[0] !== 'api' && steps[0] !== 'apis') return notFoundPath(res, req.path);
  if (rest.length === 0) {
    const list = resourceList(gv, state.types);
    return list ? sendJson(res, 200, list) : notFoundPath(res, req.path);
  }
  const target = resolveTarget(state, gv, rest);
  if (!target || (target.subresource && target.subresource !== 'status'))
    return notFoundPath(res, req.path);
  serveResource(cluster, target, req, res);
}

function notFoundPath(res: ServerResponse, path: string): void {
  sendJson(
    res,
    404,
    new StatusError(
      'NotFound',
      `the server could not find the requested resource (${path})`,
    ).toStatus(),
  );
}

function parseBody(req: ClusterRequest, yaml: boolean): unknown {
  try {
    if (!yaml) return JSON.parse(req.body);
    // JSON is YAML too, and what clients send; the YAML parser is many times slower.
    try {
      return JSON.parse(req.body);
    } catch {
      return parseYaml(req.body);
    }
  } catch (err) {
    throw new StatusError(
      'BadRequest',
      `the body of the request could not be decoded: ${(err as Error).message}`,
    );
  }
}

function fieldManagerOf(req: ClusterRequest): string {
  const fromQuery = req.query.get('fieldManager');
  if (fromQuery) return fromQuery;
  const agent = String(req.headers['user-agent'] ?? 'unknown');
  return agent.split('/')[0] || 'unknown';
}

function serveResource(
  cluster: RoutedCluster,
  target: Target,
  req: ClusterRequest,
  res: ServerResponse,
): void {
  const { state } = cluster;
  const { type, namespace, name } = target;
  const scope = target.subresource === 'status' ? 'status' : 'main';
  const options = {
    manager: fieldManagerOf(req),
    scope,
    force: req.query.get('force') === 'true',
  } as const;
  if (req.method === 'GET' && name)
    return sendJson(res, 200, state.read(type, namespace, name).object);
  if (req.method === 'GET') {
    const filter = objectFilter(
      req.query.get('labelSelector') ?? undefined,
      req.query.get('fieldSelector') ?? undefined,
    );
    if (req.query.get('watch') === 'true' || req.query.get('watch') === '1')
      return watch(state, target, req, res, filter);
    const items = state.store
      .list(bucketOf(type), type.namespaced && namespace ? namespace : undefined)
      .map((r) => r.object)
      .filter(filter);
    return sendJson(res, 200, {
      kind: `${type.kind}List`,
      apiVersion: groupVersion(type),
      metadata: { resourceVersion: state.store.resourceVersion },
      items,
    });
  }
  if (req.method === 'POST' && !name)
    return sendJson(
      res,
      201,
      state.create(type, namespace, parseBody(req, false) as KubeObject, options),
    );
  if (req.method === 'PUT' && name)
    return sendJson(
      res,
      200,
      state.replace(type, namespace, name, parseBody(req, false) as KubeObject, options),
    );
  if (req.method === 'PATCH' && name) {
    const contentType =
      String(req.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim() ?? '';
    const patchType = PATCH_TYPES[contentType];
    if (!patchType)
      throw new StatusError(
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`,
      );
    if (patchType === 'apply' && !req.query.get('fieldManager'))
      throw new StatusError(
        'BadRequest',
        'PATCH, application/apply-patch+yaml requires fieldManager',
      );
    const existed = state.store.get(bucketOf(type), namespace, name) !== undefined;
    const result = state.patch(
      type,
      namespace,
      name,
      patchType,
      parseBody(req, patchType === 'apply'),
      options,
    );
    return sendJson(res, existed ? 200 : 201, result);
  }
  if (req.method === 'DELETE' && name)
    return sendJson(res, 200, state.delete(type, namespace, name));
  if (req.method === 'DELETE') {
    const filter = objectFilter(
      req.query.get('labelSelector') ?? undefined,
      req.query.get('fieldSelector') ?? undefined,
    );
    const doomed = state.store
      .list(bucketOf(type), namespace || undefined)
      .map((r) => r.object)
      .filter(filter);
    for (const o of doomed) state.delete(type, o.metadata.namespace ?? '', o.metadata.name ?? '');
    return sendJson(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
    });
  }
  throw new StatusError(
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource`,
  );
}

function watch(
  state: ClusterState,
  target: Target,
  req: ClusterRequest,
  res: ServerResponse,
  filter: (o: KubeObject) => boolean,
): void {
  const bucket = bucketOf(target.type);
  const inScope = (o: KubeObject): boolean =>
    (!target.namespace || o.metadata.namespace === target.namespace) &&
    (!target.name || o.metadata.name === target.name) &&
    filter(o);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  // The client's watch resolves once headers arrive, before any event.
  res.flushHeaders();
  const send = (type: string, object: unknown): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const from = req.query.get('resourceVersion');
  if (!from || from === '0') {
    for (const r of state.store.list(bucket, target.namespace || undefined))
      if (inScope(r.object)) send('ADDED', r.object);
  } else {
    const changes = state.store.changesSince(Number(from));
    if (!changes) {
      send(
        'ERROR',
        new StatusError(
          'Expired',
          `too old resource version: ${from} (${state.store.resourceVersion})`,
        ).toStatus(),
      );
      res.end();
      return;
    }
    for (const c of changes)
      if (c.bucket === bucket && inScope(c.event.object)) send(c.event.type, c.event.object);
  }
  const unsubscribe = state.store.subscribe((c) => {
    if (c.bucket === bucket && inScope(c.event.object)) send(c.event.type, c.event.object);
  });
  const timeout = Number(req.query.get('timeoutSeconds') ?? 0);
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  res.on('close', () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  });
}
