import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import type {
  HeartbeatRequest,
  HeartbeatResponse,
  RegisterRequest,
  RegisterResponse,
  RotateCredentialResponse,
} from '@flotilla/contracts';
import { DomainError, hashToken, newClusterCredential, type ClusterFacts } from '@flotilla/domain';
import { ClusterDirectory, type AuthenticatedCluster } from '@flotilla/inventory';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CLOCK, HUB_CONFIG, REDIS } from '../infra/tokens';
import { FleetRuntime } from '../clusters/fleet-runtime';
import { DeliveryProtocolService } from './delivery-protocol.service';
import { RegistrationRateLimit } from './registration-rate-limit';

/** Who is calling, for the audit trail of what the call appends. */
export interface AgentCallContext {
  requestId: string;
  clientAddress: string;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The one answer for every credential that does not open a cluster. */
const refused = () =>
  new DomainError(
    'UNAUTHENTICATED',
    'cluster credential is not valid (expired, rotated out, or the cluster was deregistered)',
  );

/**
 * The agent protocol's behaviour, behind the controller: registration with a token, heartbeats
 * (Redis only, unless facts or connectivity change), credential rotation. A call is always about
 * the cluster its credential opens; ids in the body are only checked against it.
 */
@Injectable()
export class AgentProtocolService {
  private readonly rateLimit: RegistrationRateLimit;
  /** Facts changes in flight, per cluster, so a burst of heartbeats appends once. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly fleet: FleetRuntime,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(CLOCK) private readonly now: () => Date,
    @Inject(REDIS) redis: Redis,
    private readonly delivery: DeliveryProtocolService,
  ) {
    this.rateLimit = new RegistrationRateLimit(
      redis,
      () => fleet.prefix(),
      config.REGISTER_FAILURES_PER_MINUTE,
      now,
    );
  }

  async register(body: RegisterRequest, call: AgentCallContext): Promise<RegisterResponse> {
    this.requireReady();
    await this.rateLimit.check(call.clientAddress);
    try {
      const credential = newClusterCredential(randomBytes);
      const result = await this.fleet.inventory.register(
        {
          mode: 'agent',
          tokenValue: body.token,
          credentialHash: hashToken(credential),
          ...(body.attemptId ? { attemptHash: hashToken(body.attemptId) } : {}),
          name: body.name,
          ...(body.labels ? { labels: body.labels } : {}),
          facts: body.facts,
        },
        {
          actor: `agent:${body.name}`,
          requestId: call.requestId,
          correlationId: call.requestId,
          clientAddress: call.clientAddress,
        },
      );
      const state = result.state;
      if (state.status !== 'registered' || !state.credential) throw new Error('not registered');
      await (
        await this.fleet.heartbeats()
      ).record(result.clusterId, {
        state: 'Running',
        at: this.now().getTime(),
      });
      if (result.position !== undefined) await this.fleet.settle(result.position);
      return {
        clusterId: result.clusterId,
        tenant: state.tenant,
        name: state.name,
        labels: state.labels,
        credential,
        credentialExpiresAt: state.credential.expiresAt.toISOString(),
        heartbeatIntervalSeconds: this.config.HEARTBEAT_INTERVAL_SECONDS,
      };
    } catch (error) {
      if (error instanceof DomainError) await this.rateLimit.fail(call.clientAddress);
      throw error;
    }
  }

  async heartbeat(
    authorization: string | undefined,
    body: HeartbeatRequest,
  ): Promise<HeartbeatResponse> {
    const { clusterId, state } = await this.authenticate(authorization, body.clusterId);
    const now = this.now();
    await (
      await this.fleet.heartbeats()
    ).record(clusterId, {
      state: body.status.state,
      ...(body.status.message !== undefined ? { message: body.status.message } : {}),
      ...(body.appliedRevision !== undefined ? { appliedRevision: body.appliedRevision } : {}),
      at: now.getTime(),
    });
    if (ClusterDirectory.heartbeatChanges(state, body.facts)) {
      await this.reportChange(clusterId, body.facts);
    }
    return {
      clusterId,
      desiredRevision: await this.delivery.revision(clusterId),
      heartbeatIntervalSeconds: this.config.HEARTBEAT_INTERVAL_SECONDS,
      credentialExpiresAt: state.credential!.expiresAt.toISOString(),
    };
  }

  async rotate(
    authorization: string | undefined,
    call: AgentCallContext,
  ): Promise<RotateCredentialResponse> {
    const { clusterId, credentialHash } = await this.authenticate(authorization, undefined);
    const credential = newClusterCredential(randomBytes);
    const result = await this.fleet.inventory.execute(
      clusterId,
      {
        type: 'RotateClusterCredential',
        data: {
          credentialHash: hashToken(credential),
          presentedHash: credentialHash,
          gracePeriodSeconds: this.config.CREDENTIAL_GRACE_PERIOD_SECONDS,
        },
      },
      {
        actor: `cluster:${clusterId}`,
        requestId: call.requestId,
        correlationId: call.requestId,
        clientAddress: call.clientAddress,
      },
    );
    const rotated = result.events.find((e) => e.type === 'ClusterCredentialRotated');
    if (!rotated || rotated.type !== 'ClusterCredentialRotated') throw new Error('not rotated');
    // The new credential must open the cluster on this replica before the agent uses it.
    if (result.position !== undefined) await this.fleet.settle(result.position);
    return {
      credential,
      credentialExpiresAt: rotated.data.expiresAt,
      previousValidUntil: rotated.data.previousValidUntil,
    };
  }

  /** The cluster the bearer credential opens; a body naming another cluster is refused. */
  async authenticate(
    authorization: string | undefined,
    namedClusterId: string | undefined,
  ): Promise<AuthenticatedCluster & { credentialHash: string }> {
    this.requireReady();
    const value = BEARER.exec(authorization ?? '')?.[1];
    if (!value) {
      throw new DomainError(
        'UNAUTHENTICATED',
        'Authorization: Bearer <cluster credential> is required',
      );
    }
    const credentialHash = hashToken(value);
    // A miss looks in the log before refusing: the credential may come from another replica.
    const found = await this.fleet.directory
      .authenticateCurrent(credentialHash, this.now())
      .catch((error: Error) => {
        throw new DomainError('UNAVAILABLE', `${error.message}; retry shortly`);
      });
    if (!found) throw refused();
    if (namedClusterId !== undefined && namedClusterId !== found.clusterId) {
      throw new DomainError(
        'FORBIDDEN',
        'clusterId: the credential belongs to another cluster',
        'clusterId',
      );
    }
    return { ...found, credentialHash };
  }

  /** Until the directory is loaded no credential can be judged: 503, never a false 401. */
  private requireReady(): void {
    if (!this.fleet.ready) {
      throw new DomainError(
        'UNAVAILABLE',
        'the hub is starting or cannot reach its database; retry shortly',
      );
    }
  }

  private async reportChange(clusterId: string, facts: ClusterFacts): Promise<void> {
    const inFlight = this.pending.get(clusterId);
    if (inFlight) return inFlight;
    const work = this.fleet.inventory
      .execute(
        clusterId,
        { type: 'ReportHeartbeat', data: { facts } },
        { actor: `cluster:${clusterId}` },
      )
      .then(async (result) => {
        if (result.position !== undefined) await this.fleet.settle(result.position);
      })
      .finally(() => this.pending.delete(clusterId));
    this.pending.set(clusterId, work);
    return work;
  }
}
