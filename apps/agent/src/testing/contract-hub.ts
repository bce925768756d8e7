import {
  AGENT_API_PREFIX,
  AGENT_PATHS,
  heartbeatRequest,
  registerRequest,
  rotateCredentialRequest,
  type AgentErrorCode,
  type ClusterFactsWire,
  type HeartbeatRequest,
  type StatusRequest,
} from '@flotilla/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ContractHubDelivery,
  HttpError,
  type ContractHubDesired,
  type HubAnswerOf,
} from './contract-hub-delivery';

export type { ContractHubDesired } from './contract-hub-delivery';

/** A call the hub received, stamped with the hub's (injected) clock. */
export interface ContractHubRequest {
  path: 'register' | 'heartbeat' | 'rotate' | 'desired' | 'bundle' | 'status';
  at: number;
  credential?: string;
  /** The JSON body of a POST; of a GET, its query (desired) or `{ bundleId }` (bundle). */
  body: unknown;
  status: number;
}

/** A cluster as the hub knows it. */
export interface ContractHubCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
  facts: ClusterFactsWire;
  heartbeats: HeartbeatRequest[];
  /** Set by {@link ContractHub.setDesired}; until then the revision is `empty`. */
  desired?: ContractHubDesired;
  /** The `POST /status` bodies accepted. */
  statuses: StatusRequest[];
}

interface CredentialRecord {
  clusterId: string;
  expiresAt: number;
  /** Set once rotated out: the end of its grace period. */
  validUntil?: number;
}

/** Options of {@link startContractHub}. */
export interface ContractHubOptions {
  /** The hub's clock (share the agent's virtual clock). */
  now: () => number;
  heartbeatIntervalSeconds?: number;
  /** Lifetime of each credential (default 30 days). */
  credentialLifetimeMs?: number;
  /** How long a rotated-out credential keeps working (default one hour). */
  graceMs?: number;
  /** Holds `GET /desired` at most this long (default: the `waitSeconds` asked for). */
  maxHoldMs?: number;
}

/**
 * A small hub that follows the agent protocol contract (libs/contracts), for agent tests: the
 * agent meets it over real HTTP, as it meets the real hub. It validates requests with the
 * contract's schemas, keeps credentials with expiry and rotation grace, and can be told to fail.
 */
export interface ContractHub {
  readonly url: string;
  readonly requests: ContractHubRequest[];
  readonly clusters: Map<string, ContractHubCluster>;
  /** A registration token admitting `uses` registrations. */
  issueToken(uses?: number): string;
  /** The next `times` calls to `path` answer `status` (with `headers`), before anything else. */
  failNext(
    path: ContractHubRequest['path'],
    status: number,
    times?: number,
    headers?: Record<string, string>,
  ): void;
  /** Revokes the cluster's credentials at once, as deregisterCluster does. */
  deregister(clusterId: string): void;
  /** Stores a bundle; its id is the SHA-256 of its manifests' JSON. */
  putBundle(manifests: Record<string, unknown>[]): string;
  /** Gives the cluster a new desired state (a new revision) and answers its waiting long-poll. */
  setDesired(
    clusterId: string,
    state: Pick<ContractHubDesired, 'applications' | 'removals'>,
  ): ContractHubDesired;
  close(): Promise<void>;
}

const CODE_OF: Record<number, AgentErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const PATHS: Record<string, ContractHubRequest['path']> = {
  [`${AGENT_API_PREFIX}${AGENT_PATHS.register}`]: 'register',
  [`${AGENT_API_PREFIX}${AGENT_PATHS.heartbeat}`]: 'heartbeat',
  [`${AGENT_API_PREFIX}${AGENT_PATHS.rotateCredential}`]: 'rotate',
  [`${AGENT_API_PREFIX}${AGENT_PATHS.desired}`]: 'desired',
  [`${AGENT_API_PREFIX}${AGENT_PATHS.status}`]: 'status',
};
const BUNDLE_PATH = `${AGENT_API_PREFIX}${AGENT_PATHS.bundle.replace(':bundleId', '')}`;
const GETS = new Set<ContractHubRequest['path']>(['desired', 'bundle']);

/** Starts a {@link ContractHub} on 127.0.0.1 (a free port). */
export async function startContractHub(options: ContractHubOptions): Promise<ContractHub> {
  const interval = options.heartbeatIntervalSeconds ?? 30;
  const lifetime = options.credentialLifetimeMs ?? 30 * 86_400_000;
  const grace = options.graceMs ?? 3_600_000;
  const tokens = new Map<string, number>();
  const credentials = new Map<string, CredentialRecord>();
  const clusters = new Map<string, ContractHubCluster>();
  const failures: { path: string; status: number; headers: Record<string, string> }[] = [];
  const requests: ContractHubRequest[] = [];
  const delivery = new ContractHubDelivery(options.maxHoldMs);
  const iso = (ms: number) => new Date(ms).toISOString();

  const issueCredential = (clusterId: string) => {
    const value = `flt_cls_${randomBytes(32).toString('base64url')}`;
    const record = { clusterId, expiresAt: options.now() + lifetime };
    credentials.set(value, record);
    return { value, record };
  };
  const authenticate = (credential: string | undefined): [string, CredentialRecord] => {
    const record = credential ? credentials.get(credential) : undefined;
    const now = options.now();
    if (
      !credential ||
      !record ||
      now >= record.expiresAt ||
      (record.validUntil !== undefined && now >= record.validUntil)
    )
      throw new HttpError(401, 'credential is not valid');
    return [credential, record];
  };

  const clusterOf = (credential: string | undefined): ContractHubCluster => {
    const [, record] = authenticate(credential);
    const cluster = clusters.get(record.clusterId);
    if (!cluster) throw new HttpError(401, 'credential is not valid');
    return cluster;
  };

  const handlers = {
    register(body: unknown): HubAnswerOf {
      const request = registerRequest.parse(body);
      const uses = tokens.get(request.token) ?? 0;
      if (uses < 1) throw new HttpError(401, 'registration token is not valid');
      if ([...clusters.values()].some((c) => c.name === request.name))
        throw new HttpError(409, `name: cluster ${request.name} already exists`, 'name');
      tokens.set(request.token, uses - 1);
      const id = randomUUID();
      const labels = request.labels ?? {};
      clusters.set(id, {
        id,
        name: request.name,
        labels,
        facts: request.facts,
        heartbeats: [],
        statuses: [],
      });
      const { value, record } = issueCredential(id);
      return {
        status: 201,
        body: {
          clusterId: id,
          tenant: 'team-a',
          name: request.name,
          labels,
          credential: value,
          credentialExpiresAt: iso(record.expiresAt),
          heartbeatIntervalSeconds: interval,
        },
      };
    },
    heartbeat(body: unknown, credential: string | undefined): HubAnswerOf {
      const [, record] = authenticate(credential);
      const request = heartbeatRequest.parse(body);
      const cluster = clusters.get(record.clusterId);
      if (!cluster) throw new HttpError(401, 'credential is not valid');
      cluster.facts = request.facts;
      cluster.heartbeats.push(request);
      return {
        status: 200,
        body: {
          clusterId: cluster.id,
          desiredRevision: cluster.desired?.revision ?? null,
          heartbeatIntervalSeconds: interval,
          credentialExpiresAt: iso(record.expiresAt),
        },
      };
    },
    rotate(body: unknown, credential: string | undefined): HubAnswerOf {
      const [used, record] = authenticate(credential);
      rotateCredentialRequest.parse(body);
      // Rotating with a rotated-out credential keeps it as the previous one (its grace is not
      // extended) and drops the credential whose answer was lost.
      for (const [value, other] of credentials)
        if (
          other.clusterId === record.clusterId &&
          value !== used &&
          other.validUntil === undefined
        )
          credentials.delete(value);
      record.validUntil ??= Math.min(options.now() + grace, record.expiresAt);
      const { value, record: fresh } = issueCredential(record.clusterId);
      return {
        status: 200,
        body: {
          credential: value,
          credentialExpiresAt: iso(fresh.expiresAt),
          previousValidUntil: iso(record.validUntil),
        },
      };
    },
  };

  const send = (res: ServerResponse, answer: HubAnswerOf) => {
    const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...answer.headers,
    });
    res.end(body);
  };
  const errorBody = (status: number, message: string, field?: string) => ({
    error: { code: CODE_OF[status] ?? 'INTERNAL', message, ...(field ? { field } : {}) },
  });

  const pathOf = (pathname: string): ContractHubRequest['path'] | undefined =>
    PATHS[pathname] ??
    (pathname.startsWith(BUNDLE_PATH) && pathname.length > BUNDLE_PATH.length
      ? 'bundle'
      : undefined);

  const answer = async (
    path: ContractHubRequest['path'],
    url: URL,
    req: IncomingMessage,
    raw: Buffer,
    credential: string | undefined,
  ): Promise<HubAnswerOf & { recorded: unknown }> => {
    if (path === 'desired') {
      const query = Object.fromEntries(url.searchParams);
      return {
        ...(await delivery.desired(clusterOf(credential), url.searchParams)),
        recorded: query,
      };
    }
    if (path === 'bundle') {
      const bundleId = decodeURIComponent(url.pathname.slice(BUNDLE_PATH.length));
      const ifNoneMatch = req.headers['if-none-match'];
      return {
        ...delivery.bundle(clusterOf(credential), bundleId, ifNoneMatch),
        recorded: { bundleId },
      };
    }
    if (req.headers['content-type'] !== 'application/json')
      throw new HttpError(415, 'send application/json');
    if (path === 'status') {
      const cluster = clusterOf(credential);
      return { ...delivery.status(cluster, raw), recorded: JSON.parse(raw.toString('utf8')) };
    }
    const body: unknown = JSON.parse(raw.toString('utf8'));
    return { ...handlers[path](body, credential), recorded: body };
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const path = pathOf(url.pathname);
    if (!path || req.method !== (GETS.has(path) ? 'GET' : 'POST'))
      return send(res, { status: 404, body: errorBody(404, 'no such path') });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const auth = req.headers.authorization;
    const credential = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    const record = (status: number, body: unknown) =>
      requests.push({
        path,
        at: options.now(),
        body,
        status,
        ...(credential ? { credential } : {}),
      });
    const failure = failures.findIndex((f) => f.path === path);
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      const status = f?.status ?? 500;
      record(status, undefined);
      return send(res, {
        status,
        body: errorBody(status, 'told to fail'),
        ...(f ? { headers: f.headers } : {}),
      });
    }
    try {
      const { recorded, ...result } = await answer(path, url, req, raw, credential);
      record(result.status, recorded);
      send(res, result);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 400;
      const field = error instanceof HttpError ? error.field : undefined;
      record(status, undefined);
      send(res, {
        status,
        body: errorBody(status, (error as Error).message.slice(0, 500), field),
      });
    }
  };
  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    clusters,
    issueToken(uses = 1) {
      const token = `flt_reg_${randomBytes(32).toString('base64url')}`;
      tokens.set(token, uses);
      return token;
    },
    failNext(path, status, times = 1, headers = {}) {
      for (let i = 0; i < times; i++) failures.push({ path, status, headers });
    },
    deregister(clusterId) {
      clusters.delete(clusterId);
      for (const [value, record] of credentials)
        if (record.clusterId === clusterId) credentials.delete(value);
    },
    putBundle: (manifests) => delivery.putBundle(manifests),
    setDesired(clusterId, state) {
      const cluster = clusters.get(clusterId);
      if (!cluster) throw new Error(`no cluster ${clusterId}`);
      return delivery.setDesired(cluster, state);
    },
    close() {
      delivery.close();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
