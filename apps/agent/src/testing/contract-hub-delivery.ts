import {
  AGENT_MAX_STATUS_BODY_BYTES,
  desiredQuery,
  statusRequest,
  type ApplicationRemovalWire,
  type DesiredApplicationWire,
  type StatusRequest,
} from '@flotilla/contracts';
import { createHash } from 'node:crypto';

/** An error answer of the contract hub. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** One answer of the contract hub. */
export interface HubAnswerOf {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A cluster's desired state as the hub serves it. */
export interface ContractHubDesired {
  revision: string;
  applications: DesiredApplicationWire[];
  removals: ApplicationRemovalWire[];
}

/** What delivery keeps per cluster. */
export interface DeliveryCluster {
  id: string;
  /** Set by `setDesired`; until then the revision is `empty` with nothing in it. */
  desired?: ContractHubDesired;
  /** The `POST /status` bodies accepted. */
  statuses: StatusRequest[];
}

const EMPTY = { applications: [], removals: [] };

/**
 * The delivery half of the contract hub, as docs/agent-protocol.md describes the real one:
 * `GET /desired` answers at once when the revision differs and otherwise holds until a change
 * (200) or the wait's end (304); bundles are served only to a cluster one of whose current
 * Applications uses them (404 alike otherwise), with an ETag; a status naming an Application
 * that is not the cluster's is refused whole (400 with the field).
 */
export class ContractHubDelivery {
  private readonly bundles = new Map<string, Record<string, unknown>[]>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private revisions = 0;

  constructor(private readonly maxHoldMs?: number) {}

  putBundle(manifests: Record<string, unknown>[]): string {
    const id = createHash('sha256').update(JSON.stringify(manifests)).digest('hex');
    this.bundles.set(id, manifests);
    return id;
  }

  setDesired(
    cluster: DeliveryCluster,
    state: Pick<ContractHubDesired, 'applications' | 'removals'>,
  ): ContractHubDesired {
    this.revisions += 1;
    cluster.desired = { revision: `rev-${this.revisions}`, ...structuredClone(state) };
    for (const wake of this.waiters.get(cluster.id) ?? []) wake();
    return cluster.desired;
  }

  async desired(cluster: DeliveryCluster, query: URLSearchParams): Promise<HubAnswerOf> {
    const parsed = desiredQuery.safeParse(Object.fromEntries(query));
    if (!parsed.success) throw new HttpError(400, parsed.error.message, 'waitSeconds');
    const current = () => cluster.desired ?? { revision: 'empty', ...EMPTY };
    const answer = () => ({ status: 200, body: { clusterId: cluster.id, ...current() } });
    if (current().revision !== parsed.data.revision) return answer();
    const holdMs = Math.min(parsed.data.waitSeconds * 1000, this.maxHoldMs ?? Infinity);
    const changed = await new Promise<boolean>((resolve) => {
      const waiters = this.waiters.get(cluster.id) ?? new Set();
      this.waiters.set(cluster.id, waiters);
      const done = (value: boolean) => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), holdMs);
      waiters.add(wake);
    });
    return changed && current().revision !== parsed.data.revision ? answer() : { status: 304 };
  }

  bundle(cluster: DeliveryCluster, id: string, ifNoneMatch: string | undefined): HubAnswerOf {
    const manifests = this.bundles.get(id);
    const visible = cluster.desired?.applications.some((a) => a.bundleId === id);
    if (!manifests || !visible) throw new HttpError(404, `bundle ${id} not found`);
    const etag = `"${id}"`;
    if (ifNoneMatch === etag) return { status: 304, headers: { etag } };
    return {
      status: 200,
      body: { id, objectCount: manifests.length, manifests },
      headers: { etag, 'cache-control': 'private, max-age=31536000, immutable' },
    };
  }

  status(cluster: DeliveryCluster, raw: Buffer): HubAnswerOf {
    if (raw.length > AGENT_MAX_STATUS_BODY_BYTES) throw new HttpError(413, 'body too large');
    const request = statusRequest.parse(JSON.parse(raw.toString('utf8')));
    const mine = new Set(cluster.desired?.applications.map((a) => a.id));
    const stranger = request.applications.findIndex((a) => !mine.has(a.id));
    if (stranger >= 0)
      throw new HttpError(
        400,
        `Application ${request.applications[stranger]?.id} is not this cluster's`,
        `applications.${stranger}.id`,
      );
    cluster.statuses.push(request);
    return {
      status: 200,
      body: {
        accepted: request.applications.length,
        eventsAppended: request.applications.length + request.removed.length,
      },
    };
  }

  /** Answers every held long-poll (with 304), so that the server can close. */
  close(): void {
    for (const waiters of this.waiters.values()) for (const wake of waiters) wake();
  }
}
