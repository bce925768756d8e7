import type { ApplicationSet, ApplicationTemplate } from './application-set.types';
import type { Application } from './application.types';
import { wrapError } from './errors';
import { deepCopy, isPlainObject, mergoMergeFill, type ParamSet } from './param-merge';
import { applyTemplatePatch } from './template-patch';
import type { CompiledValue, TemplateRenderer } from './template-renderer';

const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Argo CD's `mergeGeneratorTemplate`: the generator's template, its empty fields filled from the ApplicationSet's. */
export function mergeTemplates(
  generatorTemplate: ApplicationTemplate | undefined,
  base: ApplicationTemplate,
): ApplicationTemplate {
  if (!generatorTemplate) return base;
  const merged = mergoMergeFill(
    deepCopy(generatorTemplate) as unknown as Record<string, unknown>,
    base as unknown as Record<string, unknown>,
  );
  return merged as unknown as ApplicationTemplate;
}

/**
 * Renders Applications from one template, compiled once: Argo CD's `GetTempApplication`,
 * `RenderTemplateParams` (finalizer rule included), `templatePatch` and the namespace rule.
 */
export class ApplicationRenderer {
  private readonly compiled: CompiledValue;
  private readonly tmpl: { metadata: Record<string, unknown>; spec: Record<string, unknown> };

  constructor(
    template: ApplicationTemplate,
    private readonly appSet: ApplicationSet,
    private readonly renderer: TemplateRenderer,
  ) {
    const m = template.metadata;
    // Only these metadata fields exist on an ApplicationSet template.
    const metadata: Record<string, unknown> = {};
    for (const key of ['name', 'namespace', 'labels', 'annotations', 'finalizers'])
      if (m[key] !== undefined) metadata[key] = m[key];
    this.tmpl = { metadata, spec: template.spec };
    this.compiled = renderer.compileValue(this.tmpl);
  }

  /** Renders one Application; throws Argo CD's error for a failing template or patch. */
  render(params: ParamSet): Application {
    let rendered: { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    if (Object.keys(params).length === 0) {
      // Argo CD returns the template untouched for an empty parameter set, finalizer rule included.
      rendered = this.tmpl;
    } else {
      rendered = this.compiled(params) as typeof rendered;
      const finalizers = rendered.metadata.finalizers;
      if (
        !this.appSet.preserveResourcesOnDeletion &&
        !(Array.isArray(finalizers) && finalizers.length > 0)
      ) {
        rendered = {
          ...rendered,
          metadata: { ...rendered.metadata, finalizers: [RESOURCES_FINALIZER] },
        };
      }
    }
    let app: Record<string, unknown> = { metadata: rendered.metadata, spec: rendered.spec };
    if (this.appSet.templatePatch !== undefined) {
      let patch: string;
      try {
        patch = this.renderer.replace(this.appSet.templatePatch, params);
      } catch (err) {
        throw wrapError('error replacing values in templatePatch', err);
      }
      app = applyTemplatePatch(app, patch);
    }
    return toApplication(app, this.appSet.namespace);
  }
}

function toApplication(app: Record<string, unknown>, namespace: string | undefined): Application {
  const m = isPlainObject(app.metadata) ? app.metadata : {};
  const metadata: Application['metadata'] = { name: typeof m.name === 'string' ? m.name : '' };
  // The Application always lands in the ApplicationSet's namespace, whatever the template says.
  if (namespace !== undefined) metadata.namespace = namespace;
  if (isPlainObject(m.labels) && Object.keys(m.labels).length > 0)
    metadata.labels = m.labels as Record<string, string>;
  if (isPlainObject(m.annotations) && Object.keys(m.annotations).length > 0)
    metadata.annotations = m.annotations as Record<string, string>;
  if (Array.isArray(m.finalizers) && m.finalizers.length > 0)
    metadata.finalizers = m.finalizers as string[];
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata,
    spec: isPlainObject(app.spec) ? app.spec : {},
  };
}
