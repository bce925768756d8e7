import type { ApplicationSet } from './application-set.types';
import { ApplicationRenderer, mergeTemplates } from './application.renderer';
import type { Application, GenerationResult } from './application.types';
import { validateApplications } from './application.validator';
import { GenerationError, ManifestError, errorMessage } from './errors';
import type { GenerationContext } from './generation-context';
import { childParams, transform } from './generators/transform';
import { isPlainObject, type ParamSet } from './param-merge';
import type { GenerationInputs } from './sources';
import { TemplateRenderer } from './template-renderer';

/**
 * Generates an ApplicationSet's Applications with Argo CD's semantics: each generator in turn,
 * each parameter set rendered into the (generator-overridden) template; any error stops Argo CD
 * from applying anything; validation then leaves out the Applications Argo CD would not create.
 * Bad input throws a ManifestError naming the field.
 */
export async function generateApplications(
  appSet: ApplicationSet,
  inputs: GenerationInputs = {},
): Promise<GenerationResult> {
  let renderer: TemplateRenderer;
  try {
    renderer = new TemplateRenderer(appSet);
  } catch (err) {
    throw new ManifestError('spec.goTemplateOptions', errorMessage(err));
  }
  const ctx: GenerationContext = { appSet, renderer, inputs, childParams };
  const params: ParamSet[] = [];
  const apps: Application[] = [];
  let firstError: string | undefined;
  for (const [i, raw] of appSet.generators.entries()) {
    let result: Awaited<ReturnType<typeof transform>>;
    try {
      result = await transform(raw, `spec.generators[${i}]`, 0, ctx, undefined);
    } catch (err) {
      if (err instanceof ManifestError) throw err;
      firstError ??= errorMessage(err);
      continue;
    }
    if (!result) continue;
    params.push(...result.params);
    const appRenderer = new ApplicationRenderer(
      mergeTemplates(result.template, appSet.template),
      appSet,
      renderer,
    );
    for (const p of result.params) {
      try {
        apps.push(appRenderer.render(p));
      } catch (err) {
        if (!(err instanceof GenerationError)) throw err;
        firstError ??= err.message;
      }
    }
  }
  if (firstError !== undefined)
    return { params, applications: [], error: firstError, validationErrors: [] };
  let validationErrors;
  try {
    validationErrors = validateApplications(appSet.name, apps, inputs);
  } catch (err) {
    return { params, applications: [], error: errorMessage(err), validationErrors: [] };
  }
  const invalid = new Set(validationErrors.map((e) => e.application));
  let applications = apps.filter((a) => !invalid.has(a.metadata.name));
  if (inputs.progressiveSyncs && appSet.strategyType === 'RollingSync')
    applications = applications.map(withoutAutomatedSync);
  return { params, applications, validationErrors };
}

// With RollingSync the controller owns syncing, so it strips automated sync from what it writes.
function withoutAutomatedSync(app: Application): Application {
  const syncPolicy = app.spec.syncPolicy;
  if (
    !isPlainObject(syncPolicy) ||
    !isPlainObject(syncPolicy.automated) ||
    syncPolicy.automated.enabled === false
  )
    return app;
  const { automated: _automated, ...rest } = syncPolicy;
  return { ...app, spec: { ...app.spec, syncPolicy: rest } };
}
