import type { ApplicationSet } from './application-set.types';
import { ManifestError } from './errors';
import {
  arrayField,
  boolField,
  objectField,
  readGenerator,
  readTemplate,
  rejectUnknown,
  stringField,
} from './generator-spec.reader';
import { isPlainObject } from './param-merge';
import { parseGoYamlDocuments } from './yaml-document';

const SPEC_FIELDS = [
  'generators',
  'goTemplate',
  'goTemplateOptions',
  'syncPolicy',
  'template',
  'templatePatch',
  'strategy',
  'preservedFields',
  'ignoreApplicationDifferences',
  'applyNestedSelectors',
];

/**
 * Validates a decoded manifest as an `argoproj.io/v1alpha1` ApplicationSet and reads the parts
 * that decide the generated Applications. Every problem is a ManifestError naming the field.
 */
export function readApplicationSet(manifest: unknown): ApplicationSet {
  if (!isPlainObject(manifest)) throw new ManifestError('', 'the manifest is not an object');
  const apiVersion = manifest.apiVersion;
  const kind = manifest.kind;
  if (kind !== 'ApplicationSet') {
    throw new ManifestError(
      'kind',
      `expected "ApplicationSet", got ${JSON.stringify(kind ?? null)}`,
    );
  }
  if (apiVersion !== 'argoproj.io/v1alpha1') {
    throw new ManifestError(
      'apiVersion',
      `expected "argoproj.io/v1alpha1", got ${JSON.stringify(apiVersion ?? null)}`,
    );
  }
  const metadata = objectField(manifest, 'metadata', '') ?? {};
  const name = stringField(metadata, 'name', 'metadata');
  if (!name) throw new ManifestError('metadata.name', 'Required value');
  const namespace = stringField(metadata, 'namespace', 'metadata') || undefined;
  const spec = objectField(manifest, 'spec', '');
  if (!spec) throw new ManifestError('spec', 'Required value');
  rejectUnknown(spec, SPEC_FIELDS, 'spec');

  const generators = arrayField(spec, 'generators', 'spec').map((g, i) => {
    readGenerator(g, `spec.generators[${i}]`, 0);
    return g as Record<string, unknown>;
  });
  const templateObj = objectField(spec, 'template', 'spec');
  if (!templateObj) throw new ManifestError('spec.template', 'Required value');
  const template = readTemplate(templateObj, 'spec.template');
  const goTemplateOptions = arrayField(spec, 'goTemplateOptions', 'spec').map((o, i) => {
    if (typeof o !== 'string')
      throw new ManifestError(`spec.goTemplateOptions[${i}]`, 'expected a string');
    return o;
  });
  const syncPolicy = objectField(spec, 'syncPolicy', 'spec') ?? {};
  const strategy = objectField(spec, 'strategy', 'spec');
  const templatePatch = spec.templatePatch;
  if (templatePatch !== undefined && templatePatch !== null && typeof templatePatch !== 'string') {
    throw new ManifestError('spec.templatePatch', 'expected a string');
  }
  return {
    name,
    namespace,
    goTemplate: boolField(spec, 'goTemplate', 'spec'),
    goTemplateOptions,
    generators,
    template: template ?? { metadata: {}, spec: {} },
    templatePatch: typeof templatePatch === 'string' ? templatePatch : undefined,
    preserveResourcesOnDeletion: boolField(
      syncPolicy,
      'preserveResourcesOnDeletion',
      'spec.syncPolicy',
    ),
    strategyType: strategy
      ? stringField(strategy, 'type', 'spec.strategy') || undefined
      : undefined,
  };
}

/** Parses YAML or JSON text holding exactly one ApplicationSet and validates it. */
export function parseApplicationSet(text: string): ApplicationSet {
  let docs: unknown[];
  try {
    docs = parseGoYamlDocuments(text);
  } catch (err) {
    throw new ManifestError('', `the manifest is not valid YAML: ${(err as Error).message}`);
  }
  if (docs.length !== 1)
    throw new ManifestError('', `expected one ApplicationSet document, found ${docs.length}`);
  return readApplicationSet(docs[0]);
}
