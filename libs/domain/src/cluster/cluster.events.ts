import { z } from 'zod';
import {
  clusterFactsSchema,
  clusterLabelsSchema,
  clusterModeSchema,
  connectivitySchema,
  dnsLabelSchema,
  sha256HexSchema,
} from './cluster.schema';

/**
 * Cluster events (stream `cluster-<id>`). Heartbeats are not events: only what they change is
 * (facts, connectivity). Credentials appear only as SHA-256 hashes. Times are ISO-8601 UTC.
 */

const instant = z.iso.datetime();
const sha256Hex = sha256HexSchema;

/** Every cluster event type with its current schema version and data schema. */
export const clusterEventSchemas = {
  /**
   * A cluster joined (or, when its stream already holds a registration, was re-registered by a
   * re-installed agent with a token allowing it: new credential, labels and facts, same id).
   * Agent clusters carry their credential (hash and expiry); kubeconfig clusters have none.
   */
  ClusterRegistered: {
    version: 1,
    schema: z
      .object({
        tenant: dnsLabelSchema,
        name: dnsLabelSchema,
        mode: clusterModeSchema,
        labels: clusterLabelsSchema,
        facts: clusterFactsSchema,
        credentialHash: sha256Hex.optional(),
        credentialExpiresAt: instant.optional(),
        registrationTokenId: z.string().min(1).optional(),
        /** SHA-256 of the agent's attempt id, so a retry of this registration is recognised. */
        attemptHash: sha256Hex.optional(),
        /** When it registered, by the hub's clock (the retry window starts here). */
        registeredAt: instant.optional(),
      })
      .strict()
      .refine(
        (d) =>
          (d.mode === 'agent') ===
          (d.credentialHash !== undefined && d.credentialExpiresAt !== undefined),
        'an agent cluster has a credential and expiry; a kubeconfig cluster has none',
      ),
  },
  /** The cluster's labels were replaced by these. */
  ClusterLabelsChanged: {
    version: 1,
    schema: z.object({ labels: clusterLabelsSchema }).strict(),
  },
  /** Reported facts changed (an upgrade, a node added); only the changed fields are present. */
  ClusterFactsChanged: {
    version: 1,
    schema: clusterFactsSchema
      .partial()
      .strict()
      .refine((facts) => Object.keys(facts).length > 0, 'at least one fact must change'),
  },
  /** Connectivity moved, e.g. Ready to Stale after a missed heartbeat interval. */
  ClusterConnectivityChanged: {
    version: 1,
    schema: z
      .object({
        from: connectivitySchema,
        to: connectivitySchema,
        at: instant,
        missedIntervals: z.number().int().nonnegative(),
      })
      .strict(),
  },
  /**
   * A new credential replaced the old one, which keeps working until `previousValidUntil`. When
   * `previousHash` is present, that credential (the one the agent still holds) is the one kept
   * for the grace period, rather than the current one (whose answer the agent lost).
   */
  ClusterCredentialRotated: {
    version: 1,
    schema: z
      .object({
        credentialHash: sha256Hex,
        expiresAt: instant,
        previousValidUntil: instant,
        previousHash: sha256Hex.optional(),
      })
      .strict(),
  },
  /** The cluster left the fleet; its credential stopped working at once. */
  ClusterDeregistered: {
    version: 1,
    schema: z.object({ reason: z.string().max(500) }).strict(),
  },
} as const;

/** The name of a cluster event. */
export type ClusterEventType = keyof typeof clusterEventSchemas;

/** One cluster event as `{ type, data }`, discriminated on `type`. */
export type ClusterEvent = {
  [K in ClusterEventType]: { type: K; data: z.output<(typeof clusterEventSchemas)[K]['schema']> };
}[ClusterEventType];
