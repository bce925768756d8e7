import { z } from 'zod';
import { canonicalDigest } from './canonical-json';

/**
 * Application events (stream `application-<id>`, id from `applicationId(applicationSetId, name)`).
 * An Application is one generated `argoproj.io/v1alpha1` Application: its spec and the metadata
 * Argo CD copies from the template, plus where it runs in our terms (cluster id, namespace).
 *
 * The cluster is resolved by the generation job from `spec.destination` (server or name) before
 * any event is written: an Application whose destination matches no registered cluster of the
 * tenant is never created; it is reported as a violation on the ApplicationSet instead (Argo CD
 * too leaves such an Application out, with a validation error). So `clusterId` is always set.
 */

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A Kubernetes object name (RFC 1123 subdomain, at most 253 characters): what Argo CD accepts as
 * an Application or ApplicationSet name.
 */
export const objectNameSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS1123_SUBDOMAIN, 'must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-", ".")');

/** A JSON object, as decoded from a manifest. */
export const jsonObjectSchema = z.record(z.string(), z.json());
/** A JSON object, as decoded from a manifest. */
export type JsonObjectValue = z.output<typeof jsonObjectSchema>;

/** The metadata Argo CD copies from the template onto an Application; missing parts are empty. */
export const applicationMetadataSchema = z
  .object({
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    finalizers: z.array(z.string()),
  })
  .strict();
/** An Application's labels, annotations and finalizers. */
export type ApplicationMetadata = z.output<typeof applicationMetadataSchema>;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');
const uuid = z.uuid();

/**
 * The digest of what the hub delivers for an Application: SHA-256 of the canonical JSON of
 * `{ metadata, spec }`, so key order never makes two equal Applications differ.
 */
export function applicationDigest(spec: JsonObjectValue, metadata: ApplicationMetadata): string {
  return canonicalDigest({ metadata, spec });
}

/** Every application event type with its current schema version and data schema. */
export const applicationEventSchemas = {
  /** A generation produced an Application that did not exist. */
  ApplicationCreated: {
    version: 1,
    schema: z
      .object({
        applicationSetId: uuid,
        tenant: z.string().min(1),
        name: objectNameSchema,
        clusterId: z.string().min(1),
        /** `spec.destination.namespace`; empty for an Application of cluster-scoped resources. */
        namespace: z.string(),
        project: z.string(),
        spec: jsonObjectSchema,
        metadata: applicationMetadataSchema,
        digest: sha256Hex,
      })
      .strict(),
  },
  /**
   * A generation produced a different Application under the same name. Like Argo CD's
   * create-update, the spec and metadata are replaced as a whole. The destination may have moved
   * (Argo CD allows it): cluster, namespace and project are restated every time.
   */
  ApplicationUpdated: {
    version: 1,
    schema: z
      .object({
        clusterId: z.string().min(1),
        namespace: z.string(),
        project: z.string(),
        spec: jsonObjectSchema,
        metadata: applicationMetadataSchema,
        digest: sha256Hex,
        previousDigest: sha256Hex,
      })
      .strict(),
  },
  /**
   * The Application is gone: no longer generated (`Pruned`) or its ApplicationSet was deleted.
   * `preserveResources`: the resources it deployed stay on the cluster (Argo CD's
   * `preserveResourcesOnDeletion`, or no resources finalizer). It names its ApplicationSet so
   * that read models can count without remembering every Application.
   */
  ApplicationDeleted: {
    version: 1,
    schema: z
      .object({
        applicationSetId: uuid,
        preserveResources: z.boolean(),
        reason: z.enum(['Pruned', 'ApplicationSetDeleted']),
      })
      .strict(),
  },
} as const;

/** The name of an application event. */
export type ApplicationEventType = keyof typeof applicationEventSchemas;

/** One application event as `{ type, data }`, discriminated on `type`. */
export type ApplicationEvent = {
  [K in ApplicationEventType]: {
    type: K;
    data: z.output<(typeof applicationEventSchemas)[K]['schema']>;
  };
}[ApplicationEventType];
