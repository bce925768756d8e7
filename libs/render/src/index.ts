/**
 * Rendering Application sources into bundles: plain YAML/JSON directories (Argo CD's rules, no
 * jsonnet), Helm and Kustomize through their binaries, and content-addressed bundles stored once
 * in Postgres however many clusters get them.
 */
export type { ApplicationSource, DirectorySettings, HelmSettings } from './application-source';
export { buildBundle, objectRef, type Bundle } from './bundle';
export { BundleStore } from './bundle.store';
export {
  normalizeSourcePath,
  parseManifestFile,
  renderDirectory,
  selectManifestFiles,
  type SourceLocation,
} from './directory-source';
export { ExternalTools, type ToolLookup, type ToolName } from './external-tools';
export { expandLists, parseToolOutput, type ManifestObject } from './manifest-documents';
export { isRenderError, RenderError, type RenderErrorCode } from './render-error';
export { DEFAULT_RENDER_LIMITS, renderLimits, type RenderLimits } from './render-limits';
export {
  detectSourceType,
  explicitSourceType,
  SourceRenderer,
  type RenderedSource,
  type RenderRequest,
  type SourceType,
} from './source-type';
export { bundlePolicyViolation, type BundleDestination } from './bundle-policy';
