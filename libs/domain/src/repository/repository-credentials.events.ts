import { z } from 'zod';
import { dnsLabelSchema } from '../cluster/cluster.schema';

/**
 * Repository credential events (stream `repository-credentials-<tenant>`): who stored or removed
 * a tenant's credentials for which repository. The credentials themselves are sealed outside the
 * log (like kubeconfigs); events carry only the URL and the kind of credential.
 */
export const repositoryCredentialEventSchemas = {
  /** Credentials for `url` were stored (or replaced). */
  RepositoryCredentialsSet: {
    version: 1,
    schema: z
      .object({
        tenant: dnsLabelSchema,
        url: z.string().min(1).max(2048),
        type: z.enum(['https', 'ssh']),
      })
      .strict(),
  },
  /** Credentials for `url` were removed. */
  RepositoryCredentialsRemoved: {
    version: 1,
    schema: z.object({ tenant: dnsLabelSchema, url: z.string().min(1).max(2048) }).strict(),
  },
} as const;

/** The name of a repository credential event. */
export type RepositoryCredentialEventType = keyof typeof repositoryCredentialEventSchemas;

/** One repository credential event as `{ type, data }`, discriminated on `type`. */
export type RepositoryCredentialEvent = {
  [K in RepositoryCredentialEventType]: {
    type: K;
    data: z.output<(typeof repositoryCredentialEventSchemas)[K]['schema']>;
  };
}[RepositoryCredentialEventType];

/** The stream of a tenant's repository credential events. */
export const repositoryCredentialStream = (tenant: string) => `repository-credentials-${tenant}`;
