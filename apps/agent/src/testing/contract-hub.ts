import {
  AGENT_API_PREFIX,
  AGENT_PATHS,
  heartbeatRequest,
  registerRequest,
  rotateCredentialRequest,
  type AgentErrorCode,
  type ClusterFactsWire,
  type HeartbeatRequest,
} from '@flotilla/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A call the hub received, stamped with the hub's (injected) clock. */
export interface ContractHubRequest {
  path: 'register' | 'heartbeat' | 'rotate';
  at: number;
  credential?: string;
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
  close(): Promise<void>;
}

const CODE_OF: Record<number, AgentErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  409: 'CONFLICT',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const PATHS: Record<string, ContractHubRequest['path']> = {
  [`${AGENT_API_PREFIX}${AGENT_PATHS.register}`]: 'register',
  [`${AGENT_API_PREFIX}${AGENT_PATHS.heartbeat}`]: 'heartbeat',
  [`${AGENT_API_PREFIX}${AGENT_PATHS.rotateCredential}`]: 'rotate',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

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

  const handlers = {
    register(body: unknown) {
      const request = registerRequest.parse(body);
      const uses = tokens.get(request.token) ?? 0;
      if (uses < 1) throw new HttpError(401, 'registration token is not valid');
      if ([...clusters.values()].some((c) => c.name === request.name))
        throw new HttpError(409, `name: cluster ${request.name} already exists`, 'name');
      tokens.set(request.token, uses - 1);
      const id = randomUUID();
      const labels = request.labels ?? {};
      clusters.set(id, { id, name: request.name, labels, facts: request.facts, heartbeats: [] });
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
    heartbeat(body: unknown, credential: string | undefined) {
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
          desiredRevision: null,
          heartbeatIntervalSeconds: interval,
          credentialExpiresAt: iso(record.expiresAt),
        },
      };
    },
    rotate(body: unknown, credential: string | undefined) {
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

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const errorBody = (status: number, message: string, field?: string) => ({
    error: { code: CODE_OF[status] ?? 'INTERNAL', message, ...(field ? { field } : {}) },
  });

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const path = PATHS[new URL(req.url ?? '/', 'http://hub').pathname];
    if (!path || req.method !== 'POST') return send(res, 404, errorBody(404, 'no such path'));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
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
    let body: unknown;
    try {
      if (req.headers['content-type'] !== 'application/json')
        throw new HttpError(415, 'send application/json');
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const failure = failures.findIndex((f) => f.path === path);
      if (failure >= 0) {
        const [f] = failures.splice(failure, 1);
        record(f?.status ?? 500, body);
        return send(res, f?.status ?? 500, errorBody(f?.status ?? 500, 'told to fail'), f?.headers);
      }
      const answer = handlers[path](body, credential);
      record(answer.status, body);
      send(res, answer.status, answer.body);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 400;
      const field = error instanceof HttpError ? error.field : undefined;
      record(status, body);
      send(res, status, errorBody(status, (error as Error).message.slice(0, 500), field));
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
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
