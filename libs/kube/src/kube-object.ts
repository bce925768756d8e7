/**
 * A Kubernetes object as JSON (a manifest, or what the API server returns). Only the fields the
 * pure rules here read are typed; `spec` and `status` are read through the checked accessors
 * below, because a manifest is untrusted input and its shape is not known until it is looked at.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    annotations?: Record<string, string>;
    deletionTimestamp?: string | Date;
    finalizers?: string[];
  };
  spec?: unknown;
  status?: unknown;
}

/** The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → the core group `''`). */
export function groupOf(apiVersion: string | undefined): string {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : (apiVersion ?? '').slice(0, slash);
}

/** `kind/name` or `kind/namespace/name`, for messages. */
export function describeObject(object: KubeObject): string {
  const { namespace, name } = object.metadata ?? {};
  return [object.kind ?? '<no kind>', namespace, name ?? '<no name>'].filter(Boolean).join('/');
}

/**
 * Thrown when a field has the wrong JSON type. Argo CD converts the object to its typed Go struct
 * first and reports a failed conversion as health `Unknown` with the error; this is that error.
 */
export class FieldTypeError extends Error {
  override readonly name = 'FieldTypeError';
}

function at(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const [i, key] of path.entries()) {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new FieldTypeError(`${path.slice(0, i).join('.') || 'the object'} is not an object`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  // JSON null is Go's zero value too.
  return value ?? undefined;
}

/** An integer field, or `undefined` when absent. */
export function intAt(root: unknown, ...path: string[]): number | undefined {
  const value = at(root, path);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FieldTypeError(`${path.join('.')} is not an integer: ${JSON.stringify(value)}`);
  }
  return value;
}

/** A string field, or `undefined` when absent. */
export function stringAt(root: unknown, ...path: string[]): string | undefined {
  const value = at(root, path);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new FieldTypeError(`${path.join('.')} is not a string: ${JSON.stringify(value)}`);
  }
  return value;
}

/** A boolean field, or `undefined` when absent. */
export function boolAt(root: unknown, ...path: string[]): boolean | undefined {
  const value = at(root, path);
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    throw new FieldTypeError(`${path.join('.')} is not a boolean: ${JSON.stringify(value)}`);
  }
  return value;
}

/** An object field, or `undefined` when absent. */
export function objectAt(root: unknown, ...path: string[]): Record<string, unknown> | undefined {
  const value = at(root, path);
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    throw new FieldTypeError(`${path.join('.')} is not an object`);
  }
  return value as Record<string, unknown>;
}

/** A list field, or `[]` when absent (Go's nil slice). */
export function listAt(root: unknown, ...path: string[]): unknown[] {
  const value = at(root, path);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new FieldTypeError(`${path.join('.')} is not a list`);
  return value as unknown[];
}

/** A status condition as every Kubernetes API writes it (all fields optional on the wire). */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number | undefined;
}

/** `status.conditions` (or another path), with absent strings read as `''` like Go's zero value. */
export function conditionsAt(root: unknown, ...path: string[]): Condition[] {
  return listAt(root, ...path).map((entry) => ({
    type: stringAt(entry, 'type') ?? '',
    status: stringAt(entry, 'status') ?? '',
    reason: stringAt(entry, 'reason') ?? '',
    message: stringAt(entry, 'message') ?? '',
    observedGeneration: intAt(entry, 'observedGeneration'),
  }));
}
