import { z } from 'zod';
import { DEFAULT_OFFLINE_AFTER_MISSED } from './cluster-connectivity';
import {
  clusterFactsSchema,
  clusterLabelsSchema,
  clusterModeSchema,
  dnsLabelSchema,
  sha256HexSchema,
  type ClusterFacts,
  type ClusterLabels,
  type ClusterMode,
} from './cluster.schema';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Credential lifetimes in seconds: default 30 days. */
export const CLUSTER_CREDENTIAL_TTL = { default: 30 * DAY, min: HOUR, max: 365 * DAY } as const;
/** How long a rotated-out credential keeps working, in seconds: default one hour. */
export const CREDENTIAL_GRACE_PERIOD = { default: HOUR, min: 0, max: 7 * DAY } as const;

/** The registration token a cluster registers with, as looked up (and used) before deciding. */
export interface RegisteringToken {
  id: string;
  /** The token's labels; they win over labels the agent asks for. */
  labels: ClusterLabels;
  /** Whether the token may re-register (replace) a cluster whose name is taken. */
  mayReplace: boolean;
}

/**
 * `RegisterCluster` input. The hub looks up whether a live cluster of the tenant has this name:
 * if so and the token may replace it, the command goes to that cluster's stream; otherwise to a
 * new stream, and `nameTaken` says whether it must be refused.
 */
export interface RegisterClusterInput {
  tenant: string;
  name: string;
  mode: ClusterMode;
  labels?: ClusterLabels;
  facts: ClusterFacts;
  /** The agent's credential hash; required for agent clusters, absent for kubeconfig ones. */
  credentialHash?: string;
  credentialTtlSeconds?: number;
  token?: RegisteringToken;
  nameTaken: boolean;
  /**
   * SHA-256 of the agent's registration attempt id: the agent sends the same id on every retry
   * of one registration, so a retry whose first answer was lost can be recognised.
   */
  attemptHash?: string;
}

/** How long after registering a retry of the same attempt may still get a credential. */
export const REGISTRATION_RETRY_WINDOW_SECONDS = 15 * 60;

/** Cluster commands. Inputs arrive as submitted: `decide` validates them. */
export type ClusterCommand =
  | { type: 'RegisterCluster'; data: RegisterClusterInput }
  | { type: 'ChangeClusterLabels'; data: { labels: ClusterLabels } }
  | { type: 'ReportHeartbeat'; data: { facts: ClusterFacts } }
  | {
      type: 'SweepConnectivity';
      data: { lastHeartbeatAt: Date; intervalSeconds: number; offlineAfterMissed?: number };
    }
  | {
      type: 'RotateClusterCredential';
      data: {
        credentialHash: string;
        /**
         * Hash of the credential the agent rotated with. When it is the rotated-out one (the
         * agent lost the answer of its last rotation), that one stays the grace credential.
         */
        presentedHash?: string;
        gracePeriodSeconds?: number;
        credentialTtlSeconds?: number;
      };
    }
  | {
      /**
       * A registration retried with the same token and attempt id after its answer was lost:
       * a new credential for the same cluster; the first one stays valid for its whole life, in
       * case its answer did arrive after all (the agent then keeps using it).
       */
      type: 'ReissueRegistrationCredential';
      data: {
        tokenId: string;
        attemptHash: string;
        credentialHash: string;
        credentialTtlSeconds?: number;
      };
    }
  | { type: 'DeregisterCluster'; data: { reason: string } };

/** What deciding depends on besides state: the clock. */
export interface ClusterDecideContext {
  now: Date;
}

const seconds = (bounds: { min: number; max: number }) =>
  z.number().int().min(bounds.min).max(bounds.max);

/** `RegisterCluster` input as validated, defaults filled in. */
export const registerClusterInputSchema = z
  .object({
    tenant: dnsLabelSchema,
    name: dnsLabelSchema,
    mode: clusterModeSchema,
    labels: clusterLabelsSchema.default({}),
    facts: clusterFactsSchema,
    credentialHash: sha256HexSchema.optional(),
    credentialTtlSeconds: seconds(CLUSTER_CREDENTIAL_TTL).default(CLUSTER_CREDENTIAL_TTL.default),
    attemptHash: sha256HexSchema.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.mode === 'agent' && d.credentialHash === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['credentialHash'],
        message: 'is required for an agent cluster',
      });
    if (d.mode === 'kubeconfig' && d.credentialHash !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['credentialHash'],
        message: 'a kubeconfig cluster has no agent credential',
      });
  });

/** `RotateClusterCredential` input as validated, defaults filled in. */
export const rotateCredentialInputSchema = z.object({
  credentialHash: sha256HexSchema,
  presentedHash: sha256HexSchema.optional(),
  gracePeriodSeconds: seconds(CREDENTIAL_GRACE_PERIOD).default(CREDENTIAL_GRACE_PERIOD.default),
  credentialTtlSeconds: seconds(CLUSTER_CREDENTIAL_TTL).default(CLUSTER_CREDENTIAL_TTL.default),
});

/** `ReissueRegistrationCredential` input as validated, defaults filled in. */
export const reissueInputSchema = z.object({
  tokenId: z.string().min(1),
  attemptHash: sha256HexSchema,
  credentialHash: sha256HexSchema,
  credentialTtlSeconds: seconds(CLUSTER_CREDENTIAL_TTL).default(CLUSTER_CREDENTIAL_TTL.default),
});

/** `SweepConnectivity` settings as validated, defaults filled in. */
export const sweepConnectivityInputSchema = z.object({
  intervalSeconds: z.number().int().min(1),
  offlineAfterMissed: z.number().int().min(1).default(DEFAULT_OFFLINE_AFTER_MISSED),
});
