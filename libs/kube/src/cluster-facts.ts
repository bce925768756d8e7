import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { bytes, cpuMillicores } from './quantity';

/** What an agent (or the kubeconfig probe) reports about a cluster: the wire shape of facts. */
export interface ClusterFacts {
  kubernetesVersion: string;
  nodeCount: number;
  allocatableCpuMillicores: number;
  allocatableMemoryBytes: number;
  agentVersion: string;
}

const NODE_PAGE = 500;

/** The server a kubeconfig's current context points at, for error messages. */
export function serverOf(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no server)';
}

/**
 * What went wrong in a client-node call, in one line: the network error code, or the HTTP status
 * with the API server's message (`HTTP 403: secrets is forbidden: ...`).
 */
export function kubeErrorDetail(error: unknown): string {
  const e = error as {
    code?: number | string;
    body?: unknown;
    message?: string;
    cause?: { code?: string };
  };
  if (e.cause?.code) return e.cause.code;
  if (typeof e.code === 'number') {
    // ApiException: the body is the API server's Status (a string or already parsed).
    let body = e.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // not JSON: keep the text
      }
    }
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String((body as { message: unknown }).message)
        : typeof body === 'string'
          ? body.slice(0, 200)
          : '';
    // Codes the API describes (401, 403) come without a body and the reason in the message.
    const reason = /\nMessage: (.*)\n/.exec(e.message ?? '')?.[1];
    const text = message || (reason && !/^Unknown API Status Code/.test(reason) ? reason : '');
    return text ? `HTTP ${e.code}: ${text}` : `HTTP ${e.code}`;
  }
  return (typeof e.code === 'string' ? e.code : undefined) ?? e.message ?? String(error);
}

async function call<T>(kc: KubeConfig, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new Error(`${what} on ${serverOf(kc)} failed: ${kubeErrorDetail(error)}`);
  }
}

/**
 * Reads the facts of the cluster `kc` points at: the server's version (`/version`), and the
 * number of nodes with the sum of their allocatable CPU and memory (nodes listed page by page).
 * Errors name the server and the call that failed.
 */
export async function readClusterFacts(
  kc: KubeConfig,
  agentVersion: string,
): Promise<ClusterFacts> {
  const version = await call(kc, 'GET /version', () => kc.makeApiClient(VersionApi).getCode());
  const core = kc.makeApiClient(CoreV1Api);
  let nodeCount = 0;
  let cpu = 0;
  let memory = 0;
  let next: string | undefined;
  do {
    const page = await call(kc, 'list nodes', () =>
      core.listNode({ limit: NODE_PAGE, ...(next ? { _continue: next } : {}) }),
    );
    for (const node of page.items) {
      nodeCount++;
      const allocatable = node.status?.allocatable ?? {};
      if (allocatable['cpu']) cpu += cpuMillicores(allocatable['cpu']);
      if (allocatable['memory']) memory += bytes(allocatable['memory']);
    }
    next = page.metadata?._continue || undefined;
  } while (next);
  return {
    kubernetesVersion: version.gitVersion,
    nodeCount,
    allocatableCpuMillicores: cpu,
    allocatableMemoryBytes: memory,
    agentVersion,
  };
}

/**
 * Parses and checks a kubeconfig (YAML or JSON) as submitted for a push-mode cluster: it must
 * name a current context whose cluster has an https (or, for tests, http) server and whose user
 * exists. Throws an Error saying what is missing.
 */
export function loadKubeConfig(text: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (error) {
    throw new Error(`kubeconfig is not valid YAML or JSON: ${(error as Error).message}`);
  }
  const contextName = kc.getCurrentContext();
  if (!contextName) throw new Error('kubeconfig has no current-context');
  const context = kc.getContextObject(contextName);
  if (!context)
    throw new Error(`kubeconfig current-context ${contextName} is not among its contexts`);
  const cluster = kc.getCluster(context.cluster);
  if (!cluster)
    throw new Error(`kubeconfig context ${contextName} names a missing cluster ${context.cluster}`);
  if (!/^https?:\/\/[^/]/.test(cluster.server ?? '')) {
    throw new Error(`kubeconfig cluster ${cluster.name} has no http(s) server URL`);
  }
  if (!context.user || !kc.getUser(context.user)) {
    throw new Error(`kubeconfig context ${contextName} names a missing user ${context.user ?? ''}`);
  }
  return kc;
}
