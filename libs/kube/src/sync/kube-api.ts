import { Agent as HttpAgent, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ApiException,
  createConfiguration,
  PatchStrategy,
  ServerConfiguration,
  type Configuration,
  type HttpMethod,
  type KubeConfig,
} from '@kubernetes/client-node';
import { asRecord, type ObjectJson } from '../ownership';

/** How a resource kind is served: its plural name and whether it lives in namespaces. */
export interface KindInfo {
  plural: string;
  namespaced: boolean;
}

/** A request the API server refused for good (4xx other than 409 and 429), with its message. */
export class RejectedError extends Error {
  override readonly name = 'RejectedError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Retry settings; `sleep` is injected so tests need not wait. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** The server's message of an API error (its Status body), else the error's own. */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    try {
      const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as {
        message?: unknown;
      };
      if (typeof body?.message === 'string' && body.message) return body.message;
    } catch {
      // not JSON: fall through to the exception's text
    }
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

// Network errors, throttling, server errors and conflicts may pass; the rest will not.
function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiException)) return !(error instanceof RejectedError);
  return error.code === 409 || error.code === 429 || error.code >= 500;
}

type Method = 'GET' | 'PATCH' | 'DELETE';

/**
 * The few API calls the applier makes (server-side apply, get, delete, kind discovery), each
 * retried with exponential backoff on transient failures; a refusal (4xx) becomes a
 * {@link RejectedError} carrying the server's message.
 *
 * Requests go through @kubernetes/client-node's configuration (auth, TLS, proxy as the
 * kubeconfig says), but bodies are plain JSON both ways: `KubernetesObjectApi` runs built-in
 * kinds through its typed models, which drops fields it does not model and every JSON name that
 * differs from its TypeScript name (a CRD loses `x-kubernetes-preserve-unknown-fields`). An
 * applier must send the manifest exactly as written.
 */
export class KubeApi {
  private readonly config: Configuration;
  private readonly kinds = new Map<string, KindInfo>();
  private readonly groupVersions = new Map<string, Promise<Map<string, KindInfo> | undefined>>();
  private agent: HttpAgent | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly retry: RetryPolicy,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeConfig: no current cluster');
    this.config = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
    });
  }

  /** How `apiVersion`/`kind` is served, or undefined when the server has no such resource. */
  async kind(apiVersion: string, kind: string): Promise<KindInfo | undefined> {
    const key = `${apiVersion}|${kind}`;
    const cached = this.kinds.get(key);
    if (cached) return cached;
    let found = (await this.discover(apiVersion))?.get(kind);
    if (!found) {
      // Discovery is read again for a kind it lacks: a CRD applied a moment ago adds kinds.
      this.groupVersions.delete(apiVersion);
      found = (await this.discover(apiVersion))?.get(kind);
    }
    if (found) this.kinds.set(key, found);
    return found;
  }

  private discover(apiVersion: string): Promise<Map<string, KindInfo> | undefined> {
    let pending = this.groupVersions.get(apiVersion);
    if (!pending) {
      pending = this.request('GET', apiRoot(apiVersion), {}).then(
        (list) => {
          const out = new Map<string, KindInfo>();
          const resources = Array.isArray(list?.resources) ? (list.resources as unknown[]) : [];
          for (const r of resources.map(asRecord)) {
            if (typeof r?.kind !== 'string' || typeof r.name !== 'string' || r.name.includes('/'))
              continue;
            out.set(r.kind, { plural: r.name, namespaced: r.namespaced === true });
          }
          return out;
        },
        (error: unknown) => {
          this.groupVersions.delete(apiVersion);
          if (error instanceof RejectedError && error.code === 404) return undefined;
          throw error;
        },
      );
      this.groupVersions.set(apiVersion, pending);
    }
    return pending;
  }

  /** Server-side apply with `fieldManager`, forcing conflicts (the manifest is the truth). */
  async apply(object: ObjectJson, fieldManager: string): Promise<ObjectJson> {
    const path = await this.pathOf(object);
    const live = await this.request('PATCH', path, { fieldManager, force: 'true' }, object);
    return live ?? {};
  }

  /** The live object, or undefined when absent. */
  async get(header: ObjectJson): Promise<ObjectJson | undefined> {
    try {
      return await this.request('GET', await this.pathOf(header), {});
    } catch (error) {
      if (error instanceof RejectedError && error.code === 404) return undefined;
      throw error;
    }
  }

  /** Deletes (background propagation); true when it existed. */
  async delete(header: ObjectJson): Promise<boolean> {
    try {
      await this.request('DELETE', await this.pathOf(header), { propagationPolicy: 'Background' });
      return true;
    } catch (error) {
      if (error instanceof RejectedError && error.code === 404) return false;
      throw error;
    }
  }

  private async pathOf(object: ObjectJson): Promise<string> {
    const apiVersion = String(object.apiVersion ?? '');
    const kind = String(object.kind ?? '');
    const info = await this.kind(apiVersion, kind);
    if (!info)
      throw new RejectedError(404, `the server has no resource for ${apiVersion}, Kind=${kind}`);
    const metadata = asRecord(object.metadata) ?? {};
    const ns = info.namespaced
      ? `/namespaces/${encodeURIComponent(String(metadata.namespace ?? ''))}`
      : '';
    return `${apiRoot(apiVersion)}${ns}/${info.plural}/${encodeURIComponent(String(metadata.name ?? ''))}`;
  }

  /** One request with retries; the JSON body of the answer. */
  private request(
    method: Method,
    path: string,
    query: Record<string, string>,
    body?: ObjectJson,
  ): Promise<ObjectJson | undefined> {
    return this.withRetry(async () => {
      const context = this.config.baseServer.makeRequestContext(path, method as HttpMethod);
      for (const [name, value] of Object.entries(query)) context.setQueryParam(name, value);
      context.setHeaderParam('Accept', 'application/json');
      if (body) {
        context.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
        context.setBody(JSON.stringify(body));
      }
      await this.config.authMethods.default?.applySecurityAuthentication(context);
      const agent = this.keepAlive(context.getAgent());
      if (agent) context.setAgent(agent);
      const response = await this.config.httpApi.send(context).toPromise();
      const text = await response.body.text();
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299)
        throw new ApiException(
          response.httpStatusCode,
          'Unsuccessful HTTP Request',
          text,
          response.headers,
        );
      return text ? asRecord(JSON.parse(text)) : undefined;
    });
  }

  /**
   * One keep-alive agent per cluster, built from the options of the first agent the kubeconfig
   * gives (client-node makes a new agent, so a new connection, for every request: too slow for a
   * simulated fleet of thousands, and wasteful against a real API server). Proxy agents are
   * left as they are.
   */
  private keepAlive(agent: HttpAgent | undefined): HttpAgent | undefined {
    if (this.agent || !agent) return this.agent ?? agent;
    if (agent.constructor !== HttpAgent && agent.constructor !== HttpsAgent) return agent;
    const options = (agent as HttpAgent & { options: AgentOptions }).options;
    const settings = { ...options, keepAlive: true, maxFreeSockets: 2 };
    this.agent = agent instanceof HttpsAgent ? new HttpsAgent(settings) : new HttpAgent(settings);
    return this.agent;
  }

  /** Runs `call`, retrying transient failures; a refusal becomes a {@link RejectedError}. */
  async withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isTransient(error)) {
          throw error instanceof ApiException
            ? new RejectedError(error.code, apiMessage(error))
            : error;
        }
        if (attempt >= this.retry.attempts) throw error;
        await this.retry.sleep(this.retry.baseDelayMs * 2 ** (attempt - 1));
      }
    }
  }
}

/** `/api/v1` or `/apis/<group>/<version>`. */
export function apiRoot(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}
