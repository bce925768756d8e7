import { dns1123LabelErrors } from '@flotilla/domain';
import type { KubeObject } from './kube-sim.types';
import type { ResourceType } from './resource-type';
import { invalid, type StatusCause } from './status-error';

interface SchemaError {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** `/spec/template/spec/containers/0` → `spec.template.spec.containers[0]`. */
function fieldOf(instancePath: string, extra?: string): string {
  const steps = instancePath.split('/').filter(Boolean);
  if (extra) steps.push(extra);
  return steps.reduce(
    (out, step) => (/^\d+$/.test(step) ? `${out}[${step}]` : out ? `${out}.${step}` : step),
    '',
  );
}

function valueAt(object: unknown, instancePath: string): unknown {
  let current = object;
  for (const step of instancePath.split('/').filter(Boolean)) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** Maps an OpenAPI schema error to the cause the API server would report. */
function causeOf(error: SchemaError, object: unknown): StatusCause {
  const path = error.instancePath ?? '';
  if (error.keyword === 'required') {
    const missing = String(error.params?.['missingProperty'] ?? '');
    return {
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: fieldOf(path, missing),
    };
  }
  const value = JSON.stringify(valueAt(object, path));
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${value}: ${error.message ?? 'invalid'}`,
    field: fieldOf(path),
  };
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function nameCauses(object: KubeObject, type: ResourceType): StatusCause[] {
  const name = object.metadata.name;
  if (!name) {
    return [
      {
        reason: 'FieldValueRequired',
        message: 'Required value: name or generateName is required',
        field: 'metadata.name',
      },
    ];
  }
  // Namespaces and Services need DNS labels; most other kinds accept DNS subdomains.
  const label = type.kind === 'Namespace' || type.kind === 'Service';
  const errors = label
    ? dns1123LabelErrors(name)
    : name.length <= 253 && SUBDOMAIN.test(name)
      ? []
      : [
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'",
        ];
  return errors.map((message) => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(name)}: ${message}`,
    field: 'metadata.name',
  }));
}

/** Workload controllers refuse a selector that does not select their own pod template. */
function selectorCauses(object: KubeObject): StatusCause[] {
  const spec = object['spec'] as
    | {
        selector?: { matchLabels?: Record<string, string> };
        template?: { metadata?: { labels?: Record<string, string> } };
      }
    | undefined;
  const wanted = spec?.selector?.matchLabels;
  if (!wanted || !spec?.template) return [];
  const labels = spec.template.metadata?.labels ?? {};
  const ok = Object.entries(wanted).every(([k, v]) => labels[k] === v);
  return ok
    ? []
    : [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
          field: 'spec.template.metadata.labels',
        },
      ];
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/**
 * Validates `object` against its kind's OpenAPI schema (from `kubernetes-models`) and the few
 * API server rules the schemas cannot express; throws a 422 `Invalid` naming each field.
 */
export function validateObject(object: KubeObject, type: ResourceType): void {
  const causes = nameCauses(object, type);
  if (type.model) {
    try {
      new type.model(structuredClone(object) as never).validate();
    } catch (err) {
      const errors = (err as { errors?: SchemaError[] }).errors;
      if (!Array.isArray(errors)) throw err;
      causes.push(...errors.map((e) => causeOf(e, object)));
    }
  }
  if (WORKLOADS.has(type.kind)) causes.push(...selectorCauses(object));
  if (causes.length > 0) {
    throw invalid(
      type.kind,
      { name: object.metadata.name ?? '', group: type.group, kind: type.plural },
      causes,
    );
  }
}
