/**
 * The ApplicationSet generator library: Argo CD's generators and templating, pure (I/O comes in
 * through `GitSource` and the cluster list).
 */
export type {
  ApplicationSet,
  ApplicationTemplate,
  GeneratorSpec,
  JsonObject,
} from './application-set.types';
export type {
  Application,
  ApplicationValidationError,
  GenerationResult,
} from './application.types';
export { parseApplicationSet, readApplicationSet } from './application-set.reader';
export { generateApplications } from './application-set.generator';
export { ManifestError, GenerationError } from './errors';
export type { ClusterRecord, GitSource, GenerationInputs } from './sources';
export { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, SECRET_TYPE_LABEL } from './sources';
export type { ParamSet } from './param-merge';
// One selector implementation: the domain's (Kubernetes rules; `validateValues: false` for a
// generator's own `selector`).
export { compileLabelSelector, matches } from '@flotilla/domain';
export type {
  CompiledLabelSelector,
  CompileLabelSelectorOptions,
  LabelRequirement,
  LabelSelector,
  LabelSelectorOperator,
} from '@flotilla/domain';
export { sanitizeName } from './sanitize-name';
export { parseGoYaml, parseGoYamlDocuments } from './yaml-document';
export { TemplateRenderer } from './template-renderer';
export { MemoryGitSource } from './memory-git.source';
export { compileGoTemplate, GoTemplateError } from './gotemplate';
export type {
  GoTemplate,
  GoTemplateOptions,
  GoValue,
  GoMap,
  GoTemplateFunction,
} from './gotemplate';
export { sprigFunctions } from './gotemplate/sprig';
export { argoFunctions } from './gotemplate/argo-functions';
