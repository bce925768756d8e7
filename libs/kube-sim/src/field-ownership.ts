import {
  applyMerge,
  deleteAt,
  formatPath,
  getAt,
  isMap,
  jsonEqual,
  keyPath,
  leafPaths,
  pathKey,
  toFieldsV1,
  type FieldPath,
} from './field-path';
import type { KubeObject } from './kube-sim.types';
import { StatusError, type StatusCause, type StatusSubject } from './status-error';

/** One `managedFields` entry, with its fields as a set of path keys. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  subresource: '' | 'status';
  apiVersion: string;
  time: string;
  fields: Set<string>;
}

/** The managers of one object, keyed by manager, operation and subresource. */
export type FieldManagers = Map<string, ManagedFieldsEntry>;

/** Which part of the object a write may touch: everything but status, or only status. */
export type WriteScope = 'main' | 'status';

const SYSTEM_FIELDS = [
  'apiVersion',
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.resourceVersion',
  'metadata.generation',
  'metadata.creationTimestamp',
  'metadata.deletionTimestamp',
  'metadata.managedFields',
  'metadata.selfLink',
].map((f) => pathKey(f.split('.').map((s) => `f:${s}`)));

function isSystem(key: string): boolean {
  return SYSTEM_FIELDS.some((s) => key === s || key.startsWith(`${s}\u0000`));
}

/** The paths of `object` a manager can own. */
export function ownableFields(object: unknown): Set<string> {
  return new Set(leafPaths(object).filter((k) => !isSystem(k)));
}

function entryKey(manager: string, operation: string, subresource: string): string {
  return `${manager}\u0000${operation}\u0000${subresource}`;
}

function related(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}\u0000`) || b.startsWith(`${a}\u0000`);
}

function isItem(key: string): boolean {
  return (keyPath(key).at(-1) ?? '').startsWith('k:');
}

/** Input of {@link serverSideApply}. */
export interface ApplyInput {
  live: KubeObject | undefined;
  applied: KubeObject;
  managers: FieldManagers;
  manager: string;
  force: boolean;
  subresource: '' | 'status';
  time: string;
  subject: StatusSubject & { name: string };
}

/**
 * Server-side apply: merges `applied` into `live`, refusing (409) to change a field that
 * another manager owns with a different value unless `force`, which takes the field over;
 * fields the manager applied before and no longer applies are removed unless someone else
 * still owns them. Returns the merged object; `managers` is updated in place.
 */
export function serverSideApply(input: ApplyInput): KubeObject {
  const { live, applied, managers, manager, force } = input;
  const key = entryKey(manager, 'Apply', input.subresource);
  const appliedFields = ownableFields(applied);
  const conflicts = new Map<string, string[]>();
  for (const [otherKey, other] of managers) {
    if (otherKey === key) continue;
    for (const owned of [...other.fields]) {
      if (isItem(owned)) continue;
      for (const field of appliedFields) {
        if (isItem(field) || !related(field, owned)) continue;
        const path = keyPath(field);
        if (jsonEqual(getAt(live, path), getAt(applied, path))) continue;
        if (force) {
          other.fields.delete(owned);
        } else {
          const who = `${other.manager}\u0000${other.apiVersion}`;
          conflicts.set(who, [...(conflicts.get(who) ?? []), formatPath(keyPath(owned))]);
        }
      }
    }
  }
  if (conflicts.size > 0) throw conflictError(conflicts, input.subject);

  const merged = applyMerge(live ?? {}, applied) as KubeObject;
  const previous = managers.get(key)?.fields ?? new Set<string>();
  managers.set(key, {
    manager,
    operation: 'Apply',
    subresource: input.subresource,
    apiVersion: applied.apiVersion,
    time: input.time,
    fields: appliedFields,
  });
  // Owning a list item's key owns its existence, not the fields inside it.
  const ownedBySomeone = (field: string): boolean =>
    [...managers.values()].some((e) =>
      [...e.fields].some(
        (f) => related(f, field) && !(isItem(f) && field.startsWith(`${f}\u0000`)),
      ),
    );
  const dropped = [...previous].filter((f) => !appliedFields.has(f) && !ownedBySomeone(f));
  // Shallowest first: removing a list item removes its fields, whose paths need its key.
  dropped.sort((a, b) => keyPath(a).length - keyPath(b).length);
  for (const field of dropped) {
    if (getAt(merged, keyPath(field)) === undefined) continue;
    deleteAt(merged, keyPath(field), (p) => ownedBySomeone(pathKey(p)));
  }
  pruneManagers(managers, merged);
  return merged;
}

function conflictError(conflicts: Map<string, string[]>, subject: StatusSubject): StatusError {
  const causes: StatusCause[] = [];
  const parts: string[] = [];
  let count = 0;
  for (const [who, fields] of conflicts) {
    const [manager, apiVersion] = who.split('\u0000');
    const unique = [...new Set(fields)];
    count += unique.length;
    const prefix = `conflict${unique.length > 1 ? 's' : ''} with "${manager}" using ${apiVersion}`;
    parts.push(
      unique.length === 1 ? `${prefix}: ${unique[0]}` : `${prefix}:\n- ${unique.join('\n- ')}`,
    );
    for (const field of unique) {
      causes.push({
        reason: 'FieldManagerConflict',
        message: `conflict with "${manager}" using ${apiVersion}`,
        field,
      });
    }
  }
  const message = `Apply failed with ${count} conflict${count > 1 ? 's' : ''}: ${parts.join('\n')}`;
  return new StatusError('Conflict', message, subject, causes);
}

/**
 * Records an ordinary write (create, update, patch): the fields it changed now belong to
 * `manager` alone, as the API server does for operation `Update`.
 */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  managers: FieldManagers,
  manager: string,
  subresource: '' | 'status',
  time: string,
): void {
  const changed = [...ownableFields(after)].filter((field) => {
    const path: FieldPath = keyPath(field);
    return !jsonEqual(getAt(before, path), getAt(after, path));
  });
  if (changed.length > 0) {
    for (const entry of managers.values()) {
      for (const field of changed) if (!isItem(field)) entry.fields.delete(field);
    }
    const key = entryKey(manager, 'Update', subresource);
    const entry = managers.get(key);
    const fields = new Set([...(entry?.fields ?? []), ...changed]);
    managers.set(key, {
      manager,
      operation: 'Update',
      subresource,
      apiVersion: after.apiVersion,
      time,
      fields,
    });
  }
  pruneManagers(managers, after);
}

/** Drops fields that no longer exist in `object`, and entries left with no fields. */
function pruneManagers(managers: FieldManagers, object: KubeObject): void {
  for (const [key, entry] of managers) {
    for (const field of entry.fields) {
      if (getAt(object, keyPath(field)) === undefined) entry.fields.delete(field);
    }
    if (entry.fields.size === 0) managers.delete(key);
  }
}

/** `metadata.managedFields` as the API server renders it. */
export function renderManagedFields(managers: FieldManagers): Record<string, unknown>[] {
  return [...managers.values()].map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(e.fields),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

/** Keeps only the part of `object` a write in `scope` may change (plus identity). */
export function scoped(object: KubeObject, scope: WriteScope, hasStatus: boolean): KubeObject {
  const { status, ...rest } = object;
  if (scope === 'status') {
    const metadata = { name: object.metadata.name, namespace: object.metadata.namespace };
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata,
      ...(isMap(status) ? { status } : {}),
    };
  }
  return hasStatus ? (rest as KubeObject) : object;
}
