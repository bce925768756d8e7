import type { ApplicationSetStatusRow } from '@flotilla/projections';
import { principalOf, type RequestContext } from '../graphql/request-context';
import type { ApplicationSet, ApplicationSetStatus } from './application-set.model';
import type { ApplicationRow, ApplicationSetRow } from './application-set.read-model';
import type { Application } from './application.model';
import { toDelivery } from './application-delivery.mapper';

/** The RBAC object of an ApplicationSet or Application: `<tenant>/<name>`. */
export const objectOf = (x: { tenant: string; name: string }) => `${x.tenant}/${x.name}`;

/** Event metadata of a write made for this request's caller. */
export function metadataOf(context: RequestContext) {
  const principal = principalOf(context);
  return {
    actor: principal.sub,
    actorGroups: [...principal.groups],
    requestId: context.requestId,
    correlationId: context.requestId,
    clientAddress: context.clientAddress,
  };
}

const date = (iso: string | undefined | null): Date | null => (iso ? new Date(iso) : null);

function toStatus(s: ApplicationSetStatusRow): ApplicationSetStatus {
  return {
    lastGeneration: s.lastGeneration
      ? { ...s.lastGeneration, at: new Date(s.lastGeneration.at) }
      : null,
    failure: s.failure
      ? {
          reason: s.failure.reason,
          message: s.failure.message,
          manifestVersion: s.failure.manifestVersion ?? null,
          at: date(s.failure.at),
        }
      : null,
    heldDeletions: s.held
      ? {
          deletions: s.held.deletions,
          currentCount: s.held.currentCount,
          threshold: s.held.threshold,
          at: date(s.held.at),
        }
      : null,
    confirmedDeletions: s.confirmed
      ? { deletions: s.confirmed.deletions, by: s.confirmed.by, at: new Date(s.confirmed.at) }
      : null,
    violations: s.violations ?? [],
    validationErrors: s.validationErrors ?? [],
  };
}

/** Maps a read-model row to the GraphQL shape. */
export function toApplicationSet(row: ApplicationSetRow): ApplicationSet {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    manifest: row.manifest,
    manifestVersion: row.manifest_version,
    status: toStatus(row.status),
    applicationCount: row.application_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: null,
    version: row.version,
  };
}

/** Maps a read-model row (with its ApplicationSet name and cluster) to the GraphQL shape. */
export function toApplication(row: ApplicationRow): Application {
  return {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    applicationSet: { id: row.application_set_id, name: row.application_set_name },
    cluster: { id: row.cluster_id, name: row.cluster_name, labels: row.cluster_labels },
    namespace: row.namespace,
    project: row.project,
    repoURL: row.repo_url,
    targetRevision: row.target_revision,
    path: row.path,
    spec: row.spec,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    delivery: toDelivery(row.delivery),
  };
}
