import { z } from 'zod';
import { dnsLabelSchema } from '../cluster/cluster.schema';
import { jsonObjectSchema, objectNameSchema } from './application.events';

/**
 * ApplicationSet events (stream `applicationset-<uuid>`). The manifest is stored as submitted
 * (the Argo CD format, decoded to JSON), so generation can always be replayed from the log;
 * generation outcomes are events too, so the API shows why Applications did or did not change.
 */

const count = z.number().int().nonnegative();
/** The stream version of the Created/Updated event whose manifest a generation used. */
const manifestVersion = z.number().int().positive();
const applicationNames = z.array(objectNameSchema);

/** Why a generation failed: a closed set the API and alerts can match on. */
export const generationFailureReasonSchema = z.enum([
  /** A Git generator or source could not be read (clone, revision, file). */
  'GitError',
  /** The cluster list could not be read. */
  'ClusterLookupError',
  /** Parameters or templates failed (Argo CD's ErrorOccurred), duplicate names included. */
  'TemplateError',
  /** The stored manifest is no longer accepted (e.g. a generator this hub no longer runs). */
  'ManifestError',
  /** The tenant's policy could not be read. */
  'PolicyLookupError',
  /** Anything else; the message says what. */
  'InternalError',
]);
/** Why a generation failed. */
export type GenerationFailureReason = z.output<typeof generationFailureReasonSchema>;

/** A generated Application its tenant may not deploy (source or destination not allowed). */
export const generationViolationSchema = z
  .object({
    application: z.string(),
    /** The destination cluster, by name. */
    cluster: z.string(),
    rule: z.enum(['source', 'destination', 'clusterResource', 'namespacedResource']),
    reason: z.string(),
  })
  .strict();
/** A generated Application its tenant may not deploy. */
export type GenerationViolation = z.output<typeof generationViolationSchema>;

/** An Application Argo CD would refuse (bad name, unknown destination), with its message. */
export const generationValidationErrorSchema = z
  .object({ application: z.string(), message: z.string() })
  .strict();
/** An Application left out by validation. */
export type GenerationValidationError = z.output<typeof generationValidationErrorSchema>;

/** Every ApplicationSet event type with its current schema version and data schema. */
export const applicationSetEventSchemas = {
  /** An ApplicationSet was submitted; its name is reserved in the tenant. */
  ApplicationSetCreated: {
    version: 1,
    schema: z
      .object({ tenant: dnsLabelSchema, name: objectNameSchema, manifest: jsonObjectSchema })
      .strict(),
  },
  /** The manifest was replaced by a different one (same name). */
  ApplicationSetUpdated: {
    version: 1,
    schema: z.object({ manifest: jsonObjectSchema }).strict(),
  },
  /** The ApplicationSet was deleted; its Applications are deleted by the generation job. */
  ApplicationSetDeleted: { version: 1, schema: z.object({}).strict() },
  /**
   * A generation ran on manifest `manifestVersion` and its changes were written: counts of
   * Applications created, updated, deleted, unchanged, and `skipped` (different, but the
   * `applicationsSync` policy keeps them as they are). `heldDeletions`: deletions the brake held
   * back (see `ApplicationSetDeletionHeld`).
   */
  ApplicationSetGenerated: {
    version: 1,
    schema: z
      .object({
        manifestVersion,
        created: count,
        updated: count,
        deleted: count,
        unchanged: count,
        skipped: count,
        violations: z.array(generationViolationSchema),
        validationErrors: z.array(generationValidationErrorSchema),
        heldDeletions: count.optional(),
      })
      .strict(),
  },
  /** A generation failed; nothing was changed (Argo CD's ErrorOccurred condition). */
  ApplicationSetGenerationFailed: {
    version: 1,
    schema: z
      .object({
        manifestVersion,
        reason: generationFailureReasonSchema,
        message: z.string().max(4000),
      })
      .strict(),
  },
  /**
   * A generation would delete more Applications than the brake allows at once: those deletions
   * wait for someone to confirm exactly this set. Creates and updates went ahead.
   */
  ApplicationSetDeletionHeld: {
    version: 1,
    schema: z
      .object({
        manifestVersion,
        deletions: applicationNames.min(1),
        currentCount: count,
        threshold: count,
      })
      .strict(),
  },
  /** Someone (the event's actor) confirmed the held deletions; the next generation applies them. */
  ApplicationSetDeletionConfirmed: {
    version: 1,
    schema: z.object({ deletions: applicationNames.min(1) }).strict(),
  },
} as const;

/** The name of an ApplicationSet event. */
export type ApplicationSetEventType = keyof typeof applicationSetEventSchemas;

/** One ApplicationSet event as `{ type, data }`, discriminated on `type`. */
export type ApplicationSetEvent = {
  [K in ApplicationSetEventType]: {
    type: K;
    data: z.output<(typeof applicationSetEventSchemas)[K]['schema']>;
  };
}[ApplicationSetEventType];
