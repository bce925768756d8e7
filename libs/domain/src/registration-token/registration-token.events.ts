import { z } from 'zod';
import { clusterLabelsSchema, dnsLabelSchema, sha256HexSchema } from '../cluster/cluster.schema';

/**
 * Registration token events (stream `registration-token-<id>`). The token value itself is never
 * stored, only its SHA-256 hash; every use is an event, so the audit shows which cluster joined
 * with which token.
 */

/** Every registration token event type with its current schema version and data schema. */
export const registrationTokenEventSchemas = {
  /** A token was issued for a tenant: valid until `expiresAt` for `maxUses` registrations. */
  RegistrationTokenCreated: {
    version: 1,
    schema: z
      .object({
        tenant: dnsLabelSchema,
        tokenHash: sha256HexSchema,
        expiresAt: z.iso.datetime(),
        maxUses: z.number().int().min(1),
        labels: clusterLabelsSchema,
        /** Whether a cluster registering with it may replace a same-named one (agent re-install). */
        mayReplace: z.boolean().optional(),
      })
      .strict(),
  },
  /** A cluster registered with the token. */
  RegistrationTokenUsed: {
    version: 1,
    schema: z.object({ clusterId: z.string().min(1), clusterName: dnsLabelSchema }).strict(),
  },
  /** The token was revoked; it admits no further registrations. */
  RegistrationTokenRevoked: { version: 1, schema: z.object({}).strict() },
} as const;

/** The name of a registration token event. */
export type RegistrationTokenEventType = keyof typeof registrationTokenEventSchemas;

/** One registration token event as `{ type, data }`, discriminated on `type`. */
export type RegistrationTokenEvent = {
  [K in RegistrationTokenEventType]: {
    type: K;
    data: z.output<(typeof registrationTokenEventSchemas)[K]['schema']>;
  };
}[RegistrationTokenEventType];
