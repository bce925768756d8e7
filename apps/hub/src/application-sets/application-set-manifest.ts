import { DomainError, parseRolloutStrategy, type JsonObjectValue } from '@flotilla/domain';
import { ManifestError, parseGoYamlDocuments, readApplicationSet } from '@flotilla/generators';

/** A submitted manifest, decoded and checked by the generator library. */
export interface SubmittedManifest {
  /** `metadata.name`: the ApplicationSet's name. */
  name: string;
  /** The manifest as decoded (stored as submitted, in JSON). */
  manifest: JsonObjectValue;
}

const badInput = (field: string, detail: string) =>
  new DomainError(
    'BAD_USER_INPUT',
    `${field ? `manifest.${field}` : 'manifest'}: ${detail}`,
    field ? `manifest.${field}` : 'manifest',
  );

/**
 * Decodes an ApplicationSet manifest (YAML or JSON text: one document) and checks it with the
 * generator library, exactly as generation will read it, so that a manifest no generation could
 * run is refused before anything is written. Errors are BAD_USER_INPUT naming the field under
 * `manifest` (`manifest.spec.generators[0].list.elements`).
 */
export function readSubmittedManifest(text: string): SubmittedManifest {
  let docs: unknown[];
  try {
    docs = parseGoYamlDocuments(text);
  } catch (error) {
    throw badInput('', `not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (docs.length !== 1) throw badInput('', `expected one document, found ${docs.length}`);
  const doc = docs[0];
  try {
    const read = readApplicationSet(doc);
    rolloutStrategyOf(doc);
    return { name: read.name, manifest: doc as JsonObjectValue };
  } catch (error) {
    if (error instanceof ManifestError) {
      const detail = error.field ? error.message.slice(error.field.length + 2) : error.message;
      throw badInput(error.field, detail);
    }
    throw error;
  }
}

/**
 * The rollout strategy of a manifest (`spec.strategy`), null when it has none (or `AllAtOnce`).
 * Errors are BAD_USER_INPUT naming the field under `manifest` (`manifest.spec.strategy.type`).
 */
export function rolloutStrategyOf(manifest: unknown): ReturnType<typeof parseRolloutStrategy> {
  const spec = (manifest as { spec?: { strategy?: unknown } } | null)?.spec;
  try {
    return parseRolloutStrategy(spec?.strategy);
  } catch (error) {
    if (error instanceof DomainError && error.field) {
      const field = `manifest.${error.field}`;
      throw new DomainError('BAD_USER_INPUT', `manifest.${error.message}`, field);
    }
    throw error;
  }
}
