import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@flotilla/config';
import { DomainError, type ClusterLabels } from '@flotilla/domain';
import type { EventMetadata } from '@flotilla/event-store';
import { loadKubeConfig, readClusterFacts, serverOf } from '@flotilla/kube';
import { SecretBox } from '@flotilla/secrets';
import { createHash } from 'node:crypto';
import { CLOCK, HUB_CONFIG } from '../infra/tokens';
import { FleetRuntime } from './fleet-runtime';

/** How long registration waits for the cluster's API before refusing. */
const PROBE_TIMEOUT_MS = 10_000;

/** The context a cluster's kubeconfig is sealed under (the worker opens it with the same). */
export const kubeconfigContext = (clusterId: string) => `cluster/${clusterId}/kubeconfig`;

/**
 * Registers clusters reached by kubeconfig (push mode): checks the kubeconfig, reads the
 * cluster's facts through it (so a cluster that does not answer is refused now, not discovered
 * later), seals the kubeconfig with AES-256-GCM and stores it outside the log, in the same
 * transaction as the registration event.
 */
@Injectable()
export class KubeconfigClusterService {
  private readonly box: SecretBox;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(CLOCK) private readonly now: () => Date,
    private readonly fleet: FleetRuntime,
  ) {
    this.box = new SecretBox(config.SECRETS_KEYS);
  }

  async register(
    input: { tenant: string; name: string; kubeconfig: string; labels?: ClusterLabels },
    metadata: EventMetadata,
  ): Promise<string> {
    if (this.box.activeKeyId === undefined) {
      throw new DomainError(
        'UNAVAILABLE',
        'this hub cannot store kubeconfigs: set SECRETS_KEYS (id:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32))',
      );
    }
    let kc;
    try {
      kc = loadKubeConfig(input.kubeconfig);
    } catch (error) {
      throw new DomainError(
        'BAD_USER_INPUT',
        `kubeconfig: ${(error as Error).message}`,
        'kubeconfig',
      );
    }
    const facts = await withTimeout(readClusterFacts(kc, 'push'), PROBE_TIMEOUT_MS).catch(
      (error: Error) => {
        throw new DomainError(
          'BAD_USER_INPUT',
          `kubeconfig: the hub could not read the cluster at ${serverOf(kc)}: ${error.message}`,
          'kubeconfig',
        );
      },
    );
    const fingerprint = createHash('sha256').update(input.kubeconfig).digest('hex');
    const result = await this.fleet.inventory.register(
      {
        mode: 'kubeconfig',
        tenant: input.tenant,
        name: input.name,
        ...(input.labels ? { labels: input.labels } : {}),
        facts,
      },
      metadata,
      async (client, clusterId) => {
        await client.query(
          `INSERT INTO cluster_kubeconfigs (cluster_id, sealed, fingerprint, key_id)
           VALUES ($1, $2, $3, $4)`,
          [
            clusterId,
            this.box.seal(input.kubeconfig, kubeconfigContext(clusterId)),
            fingerprint,
            this.box.activeKeyId,
          ],
        );
      },
    );
    await (
      await this.fleet.heartbeats()
    ).record(result.clusterId, {
      state: 'Running',
      at: this.now().getTime(),
    });
    if (result.position !== undefined) await this.fleet.settle(result.position);
    return result.clusterId;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    work,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref(),
    ),
  ]);
}
