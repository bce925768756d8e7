import { z } from 'zod';
import { dns1123LabelErrors, labelKeyErrors, labelValueErrors } from '../tenant/label-rules';
import { zodIssueToDomainError } from '../tenant/tenant-spec.schema';

/**
 * The value shapes clusters are described with, shared by cluster and registration-token events.
 * Events store these shapes, so a breaking change here is a new event version with an upcaster.
 */

/** A cluster or tenant name: an RFC 1123 label, like a Kubernetes namespace name. */
export const dnsLabelSchema = z.string().superRefine((value, ctx) => {
  for (const message of dns1123LabelErrors(value)) ctx.addIssue({ code: 'custom', message });
});

/** Kubernetes labels: keys and values checked by apimachinery's rules, each problem at its key. */
export const clusterLabelsSchema = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [key, value] of Object.entries(labels)) {
    for (const message of labelKeyErrors(key))
      ctx.addIssue({ code: 'custom', path: [key], message: `invalid key: ${message}` });
    for (const message of labelValueErrors(value))
      ctx.addIssue({ code: 'custom', path: [key], message: `invalid value: ${message}` });
  }
});

/** Cluster labels, key to value. */
export type ClusterLabels = Record<string, string>;

// `v1.29.3`, `v1.28.5-eks-5e0fdde`, `v1.30.1+k3s1`: what `/version` reports as gitVersion.
const KUBERNETES_VERSION_RE = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/;

const count = z.number().int().nonnegative();

/**
 * What an agent reports about its cluster. Flat, so that `ClusterFactsChanged` can carry just the
 * fields that changed. CPU and memory are the sum of the nodes' allocatable capacity.
 */
export const clusterFactsSchema = z
  .object({
    kubernetesVersion: z
      .string()
      .regex(KUBERNETES_VERSION_RE, 'must be a Kubernetes version such as v1.29.3'),
    nodeCount: count,
    allocatableCpuMillicores: count,
    allocatableMemoryBytes: count,
    agentVersion: z.string().min(1).max(64),
  })
  .strict();

/** The facts of a cluster, as the agent reports them. */
export type ClusterFacts = z.output<typeof clusterFactsSchema>;

/** How the hub reaches a cluster: its own agent pulls, or the worker pushes with a kubeconfig. */
export const clusterModeSchema = z.enum(['agent', 'kubeconfig']);
/** How the hub reaches a cluster. */
export type ClusterMode = z.output<typeof clusterModeSchema>;

/** Ready: heartbeats on time. Stale: one interval missed. Offline: the configured number missed. */
export const connectivitySchema = z.enum(['Ready', 'Stale', 'Offline']);
/** A cluster's connectivity, as decided from heartbeats. */
export type Connectivity = z.output<typeof connectivitySchema>;

/** A SHA-256 digest as lowercase hex: how secrets are stored. */
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');

/**
 * Validates command input against `schema`; throws `DomainError('BAD_USER_INPUT', '<field>: <problem>',
 * field)` for the first problem, e.g. `labels["a b"]: invalid key: ...`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw zodIssueToDomainError(parsed.error, 'input');
  return parsed.data;
}
