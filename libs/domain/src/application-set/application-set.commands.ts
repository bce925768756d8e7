import { z } from 'zod';
import { dnsLabelSchema } from '../cluster/cluster.schema';
import { jsonObjectSchema, objectNameSchema } from './application.events';
import { applicationSetEventSchemas, type GenerationFailureReason } from './application-set.events';

/** The largest manifest accepted, as canonical JSON: Kubernetes' own object limit is ~1.5 MiB. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * `CreateApplicationSet` input. The hub validates the manifest with the generator library first
 * (`parseApplicationSet`) and looks up whether the tenant already has a live ApplicationSet of
 * this name (`nameTaken`); the decider checks the rest.
 */
export interface CreateApplicationSetInput {
  tenant: string;
  name: string;
  manifest: unknown;
  nameTaken: boolean;
}

/** What a generation run wrote, as `RecordGeneration` takes it. */
export type GenerationOutcome = z.input<
  (typeof applicationSetEventSchemas)['ApplicationSetGenerated']['schema']
>;

/** ApplicationSet commands. Inputs arrive as submitted: `decide` validates them. */
export type ApplicationSetCommand =
  | { type: 'CreateApplicationSet'; data: CreateApplicationSetInput }
  | { type: 'UpdateApplicationSet'; data: { manifest: unknown } }
  | { type: 'DeleteApplicationSet'; data: Record<string, never> }
  | { type: 'RecordGeneration'; data: GenerationOutcome }
  | {
      type: 'RecordGenerationFailure';
      data: { manifestVersion: number; reason: GenerationFailureReason; message: string };
    }
  | {
      type: 'HoldDeletions';
      data: {
        manifestVersion: number;
        deletions: readonly string[];
        currentCount: number;
        threshold: number;
      };
    }
  | { type: 'ConfirmDeletions'; data: { deletions: readonly string[] } };

/** `CreateApplicationSet` input as validated. */
export const createInputSchema = z.object({
  tenant: dnsLabelSchema,
  name: objectNameSchema,
  manifest: jsonObjectSchema,
});

/** `UpdateApplicationSet` input as validated. */
export const updateInputSchema = z.object({ manifest: jsonObjectSchema });

/** `RecordGenerationFailure` input as validated (long messages are cut, not refused). */
export const failureInputSchema = z.object({
  manifestVersion: z.number().int().positive(),
  reason: applicationSetEventSchemas.ApplicationSetGenerationFailed.schema.shape.reason,
  message: z.string().transform((m) => (m.length > 4000 ? `${m.slice(0, 3999)}…` : m)),
});

/** `HoldDeletions` input as validated. */
export const holdInputSchema = z.object({
  manifestVersion: z.number().int().positive(),
  deletions: z.array(objectNameSchema).min(1),
  currentCount: z.number().int().nonnegative(),
  threshold: z.number().int().nonnegative(),
});

/** `ConfirmDeletions` input as validated. */
export const confirmInputSchema = z.object({ deletions: z.array(objectNameSchema).min(1) });
