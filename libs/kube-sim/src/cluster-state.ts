import { randomUUID } from 'node:crypto';
import {
  recordUpdate,
  renderManagedFields,
  scoped,
  serverSideApply,
  type FieldManagers,
  type WriteScope,
} from './field-ownership';
import { jsonEqual } from './field-path';
import type { KubeObject } from './kube-sim.types';
import { jsonPatch, mergePatch } from './merge-patch';
import { ObjectStore, type StoredRecord } from './object-store';
import { normalise, withinScope } from './object-write';
import { validateObject } from './object-validation';
import { BUILT_IN_TYPES, crdResourceTypes, groupVersion, type ResourceType } from './resource-type';
import {
  alreadyExists,
  notFound,
  staleResourceVersion,
  StatusError,
  type StatusSubject,
} from './status-error';

/** How a write names its field manager and, for apply, whether it forces conflicts. */
export interface WriteOptions {
  manager: string;
  force?: boolean;
  scope?: WriteScope;
}

/** The patch content types the sim understands. */
export type PatchType = 'apply' | 'merge' | 'strategic' | 'json';

/** Bucket key shared by all versions of a resource. */
export function bucketOf(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}

function withoutMetaAndStatus(object: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

/**
 * The API semantics of one simulated cluster over its {@link ObjectStore}: served types
 * (built-ins plus CRDs), create, update, patch, server-side apply, delete, with validation,
 * resourceVersion, generation, uid and managedFields maintained as the API server does.
 */
export class ClusterState {
  readonly store = new ObjectStore();
  private custom: ResourceType[] = [];

  constructor(private readonly now: () => Date) {}

  /** Every served type. */
  get types(): readonly ResourceType[] {
    return [...BUILT_IN_TYPES, ...this.custom];
  }

  /** The type served at `group/version` under `plural`, or undefined. */
  typeAt(gv: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => groupVersion(t) === gv && t.plural === plural);
  }

  /** The type of `apiVersion`/`kind`; 404 when not served. */
  typeOf(apiVersion: string, kind: string): ResourceType {
    const type = this.types.find((t) => groupVersion(t) === apiVersion && t.kind === kind);
    if (!type)
      throw new StatusError('NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`);
    return type;
  }

  /** The stored object; 404 when absent. */
  read(type: ResourceType, namespace: string, name: string): StoredRecord {
    const record = this.store.get(bucketOf(type), namespace, name);
    if (!record) throw notFound(this.subject(type, name));
    return record;
  }

  /** Creates an object (POST). */
  create(
    type: ResourceType,
    namespace: string,
    body: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    const object = normalise(type, namespace, body);
    if (!object.metadata.name && object.metadata.generateName) {
      object.metadata.name = `${object.metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = object.metadata.name ?? '';
    if (name && this.store.get(bucketOf(type), namespace, name)) {
      throw alreadyExists(this.subject(type, name));
    }
    if (type.status) delete object['status'];
    const managers: FieldManagers = new Map();
    recordUpdate(undefined, object, managers, options.manager, '', this.time());
    return this.commit(type, undefined, object, managers);
  }

  /** Replaces an object (PUT), or its status with scope `status`. */
  replace(
    type: ResourceType,
    namespace: string,
    name: string,
    body: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    const record = this.read(type, namespace, name);
    const sent = body.metadata?.resourceVersion;
    if (sent && sent !== record.object.metadata.resourceVersion) {
      throw staleResourceVersion(this.subject(type, name));
    }
    const next = withinScope(type, record.object, normalise(type, namespace, body), options.scope);
    return this.update(type, record, next, options);
  }

  /** Patches an object; an apply patch creates it when absent. */
  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: WriteOptions,
  ): KubeObject {
    const record = this.store.get(bucketOf(type), namespace, name);
    if (patchType === 'apply')
      return this.apply(type, namespace, name, record, body as KubeObject, options);
    if (!record) throw notFound(this.subject(type, name));
    const patched =
      patchType === 'json'
        ? jsonPatch(record.object, body)
        : mergePatch(record.object, body, patchType === 'strategic');
    const next = withinScope(type, record.object, patched as KubeObject, options.scope);
    return this.update(type, record, next, options);
  }

  /** Deletes an object; with finalizers it is only marked, as the API server does. */
  delete(type: ResourceType, namespace: string, name: string): KubeObject {
    const record = this.read(type, namespace, name);
    if ((record.object.metadata.finalizers ?? []).length > 0) {
      const next = structuredClone(record.object);
      next.metadata.deletionTimestamp ??= this.time();
      return this.commit(type, record, next, record.managers);
    }
    return this.remove(type, namespace, name);
  }

  private apply(
    type: ResourceType,
    namespace: string,
    name: string,
    record: StoredRecord | undefined,
    body: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    if (
      !body ||
      typeof body !== 'object' ||
      body.apiVersion !== groupVersion(type) ||
      body.kind !== type.kind
    ) {
      throw new StatusError(
        'BadRequest',
        `apply patch must have apiVersion ${groupVersion(type)} and kind ${type.kind}`,
      );
    }
    if (body.metadata?.name !== undefined && body.metadata.name !== name) {
      throw new StatusError(
        'BadRequest',
        'the name of the object does not match the name on the URL',
      );
    }
    const scope = options.scope ?? 'main';
    const applied = scoped(
      normalise(type, namespace, { ...body, metadata: { ...body.metadata, name } }),
      scope,
      type.status,
    );
    if (!record) {
      if (scope === 'status') throw notFound(this.subject(type, name));
      this.checkNamespace(type, namespace);
    }
    const managers: FieldManagers = record
      ? new Map([...record.managers].map(([k, e]) => [k, { ...e, fields: new Set(e.fields) }]))
      : new Map();
    const merged = serverSideApply({
      live: record?.object,
      applied,
      managers,
      manager: options.manager,
      force: options.force ?? false,
      subresource: scope === 'status' ? 'status' : '',
      time: this.time(),
      subject: this.subject(type, name),
    });
    return this.commit(type, record, merged, managers);
  }

  private update(
    type: ResourceType,
    record: StoredRecord,
    next: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    const managers = new Map(
      [...record.managers].map(([k, e]) => [k, { ...e, fields: new Set(e.fields) }]),
    );
    recordUpdate(
      record.object,
      next,
      managers,
      options.manager,
      options.scope === 'status' ? 'status' : '',
      this.time(),
    );
    return this.commit(type, record, next, managers);
  }

  /** Validates, stamps identity and versions, and stores. */
  private commit(
    type: ResourceType,
    before: StoredRecord | undefined,
    next: KubeObject,
    managers: FieldManagers,
  ): KubeObject {
    const object = structuredClone(next);
    const prior = before?.object.metadata;
    object.metadata.uid = prior?.uid ?? randomUUID();
    object.metadata.creationTimestamp = prior?.creationTimestamp ?? this.time();
    if (prior?.deletionTimestamp) object.metadata.deletionTimestamp = prior.deletionTimestamp;
    const specChanged =
      !before || !jsonEqual(withoutMetaAndStatus(before.object), withoutMetaAndStatus(object));
    object.metadata.generation = (prior?.generation ?? 0) + (specChanged ? 1 : 0);
    delete object.metadata.managedFields;
    validateObject(object, type);
    if (!before) this.checkNamespace(type, object.metadata.namespace ?? '');
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name ?? '';
    if (object.metadata.deletionTimestamp && (object.metadata.finalizers ?? []).length === 0) {
      return this.remove(type, namespace, name);
    }
    object.metadata.managedFields = renderManagedFields(managers);
    const stored = this.store.put(
      bucketOf(type),
      { object, managers },
      before ? 'MODIFIED' : 'ADDED',
    );
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io')
      this.refreshCustomTypes();
    return structuredClone(stored);
  }

  private remove(type: ResourceType, namespace: string, name: string): KubeObject {
    const removed = this.store.remove(bucketOf(type), namespace, name);
    if (!removed) throw notFound(this.subject(type, name));
    if (type.kind === 'Namespace' && type.group === '') {
      for (const t of this.types.filter((x) => x.namespaced)) {
        for (const r of this.store.list(bucketOf(t), name))
          this.store.remove(bucketOf(t), name, r.object.metadata.name ?? '');
      }
    }
    if (type.kind === 'CustomResourceDefinition') this.refreshCustomTypes();
    return removed;
  }

  private refreshCustomTypes(): void {
    const crds = this.store.list('apiextensions.k8s.io/customresourcedefinitions');
    this.custom = crds.flatMap((r) => crdResourceTypes(r.object));
  }

  private checkNamespace(type: ResourceType, namespace: string): void {
    if (!type.namespaced) return;
    const nsType = this.typeOf('v1', 'Namespace');
    if (!this.store.get(bucketOf(nsType), '', namespace))
      throw notFound({ ...this.subject(nsType, namespace) });
  }

  /** `details` of errors about `name`. */
  subject(type: ResourceType, name: string): StatusSubject & { name: string } {
    return { name, group: type.group, kind: type.plural };
  }

  private time(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }
}
