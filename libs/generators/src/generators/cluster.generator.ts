import { compileLabelSelector, matches } from '@flotilla/domain';
import type { ClusterGeneratorSpec } from '../application-set.types';
import type { GenerationContext } from '../generation-context';
import type { ParamSet } from '../param-merge';
import { sanitizeName } from '../sanitize-name';
import {
  IN_CLUSTER_NAME,
  IN_CLUSTER_SERVER,
  SECRET_TYPE_LABEL,
  type ClusterRecord,
} from '../sources';
import { appendTemplatedValues } from './templated-values';

/**
 * The labels of a cluster's secret as Argo CD lists it: the record's labels plus
 * `argocd.argoproj.io/secret-type: cluster`, which every cluster secret carries.
 */
export function secretLabels(cluster: ClusterRecord): Record<string, string> {
  return { ...(cluster.labels ?? {}), [SECRET_TYPE_LABEL]: 'cluster' };
}

/** Cluster secrets keyed by name (a later secret with the same name wins), in input order. */
export function secretsByName(clusters: readonly ClusterRecord[]): ClusterRecord[] {
  const byName = new Map<string, ClusterRecord>();
  for (const c of clusters) byName.set(c.name, c);
  return [...byName.values()];
}

/** True when Argo CD adds its implicit in-cluster destination for these secrets. */
export function hasImplicitLocalCluster(
  clusters: readonly ClusterRecord[],
  localCluster: boolean,
): boolean {
  return localCluster && !clusters.some((c) => c.server === IN_CLUSTER_SERVER);
}

/**
 * The cluster generator: one parameter set per matching cluster secret, preceded by the implicit
 * in-cluster destination when the selector is empty and no secret points at the in-cluster
 * server. `flatList` gives a single set `{clusters: [...]}`.
 */
export async function generateClusters(
  spec: ClusterGeneratorSpec,
  field: string,
  ctx: GenerationContext,
): Promise<ParamSet[]> {
  const selector = compileLabelSelector(spec.selector, { field: `${field}.clusters.selector` });
  const secrets = secretsByName(ctx.inputs.clusters ?? []).filter((c) =>
    matches(selector, secretLabels(c)),
  );
  const renderer = ctx.renderer;
  const out: ParamSet[] = [];
  if (selector.empty && hasImplicitLocalCluster(secrets, ctx.inputs.localCluster ?? true)) {
    const params: ParamSet = {
      name: IN_CLUSTER_NAME,
      nameNormalized: IN_CLUSTER_NAME,
      server: IN_CLUSTER_SERVER,
      project: '',
    };
    appendTemplatedValues(
      spec.values,
      params,
      renderer,
      'error appending templated values for local cluster: failed to replace templated string',
    );
    out.push(params);
  }
  for (const cluster of secrets) {
    const params = clusterParams(cluster, renderer.mode.goTemplate);
    appendTemplatedValues(
      spec.values,
      params,
      renderer,
      'error appending templated values for cluster: failed to replace templated string',
    );
    out.push(params);
  }
  if (spec.flatList) return [{ clusters: out.length > 0 ? out : null }];
  return out;
}

function clusterParams(cluster: ClusterRecord, goTemplate: boolean): ParamSet {
  const params: ParamSet = {
    name: cluster.name,
    nameNormalized: sanitizeName(cluster.name),
    server: cluster.server,
    project: cluster.project ?? '',
  };
  const labels = secretLabels(cluster);
  const annotations = cluster.annotations ?? {};
  if (goTemplate) {
    const meta: ParamSet = {};
    if (Object.keys(annotations).length > 0) meta.annotations = { ...annotations };
    meta.labels = labels;
    params.metadata = meta;
  } else {
    for (const [k, v] of Object.entries(annotations)) params[`metadata.annotations.${k}`] = v;
    for (const [k, v] of Object.entries(labels)) params[`metadata.labels.${k}`] = v;
  }
  return params;
}
