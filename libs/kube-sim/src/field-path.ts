/**
 * Field paths for server-side apply, in the `FieldsV1` vocabulary: `f:<field>` steps into a
 * map, `k:{"name":"web"}` into the item of an associative list (lists of objects that all
 * carry a `name`, such as containers, env, ports and volumes). Other lists are atomic: the
 * whole list is one leaf, as with `+listType=atomic`.
 */
export type FieldPath = readonly string[];

type Json = unknown;
type JsonMap = Record<string, Json>;

/** True for a plain JSON object. */
export function isMap(value: Json): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a list whose items are merged by their `name` rather than replaced as a whole. */
export function isAssociativeList(value: Json): value is JsonMap[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => isMap(item) && typeof item['name'] === 'string')
  );
}

/** The `k:` step of an associative-list item. */
export function itemStep(item: JsonMap): string {
  return `k:${JSON.stringify({ name: item['name'] })}`;
}

/** A string key for sets of paths. */
export function pathKey(path: FieldPath): string {
  return path.join('\u0000');
}

/** The path of a {@link pathKey}. */
export function keyPath(key: string): FieldPath {
  return key === '' ? [] : key.split('\u0000');
}

/** `.spec.template.spec.containers[name="web"].image`, as conflict messages print paths. */
export function formatPath(path: FieldPath): string {
  return path
    .map((step) => {
      if (step.startsWith('f:')) return `.${step.slice(2)}`;
      const key = JSON.parse(step.slice(2)) as { name: string };
      return `[name="${key.name}"]`;
    })
    .join('');
}

/**
 * The leaf paths of `value`: map fields, associative-list items (as their own entry, like
 * FieldsV1's `.`) and their fields, and atomic values. An empty map is a leaf of its own.
 */
export function leafPaths(value: Json, prefix: FieldPath = [], out: string[] = []): string[] {
  if (isMap(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix.length > 0) out.push(pathKey(prefix));
    for (const key of keys) leafPaths(value[key], [...prefix, `f:${key}`], out);
  } else if (isAssociativeList(value)) {
    for (const item of value) {
      const itemPath = [...prefix, itemStep(item)];
      out.push(pathKey(itemPath));
      leafPaths(item, itemPath, out);
    }
  } else if (prefix.length > 0) {
    out.push(pathKey(prefix));
  }
  return out;
}

function child(container: Json, step: string): Json {
  if (step.startsWith('f:')) return isMap(container) ? container[step.slice(2)] : undefined;
  if (!Array.isArray(container)) return undefined;
  return container.find((item) => isMap(item) && itemStep(item) === step);
}

/** The value at `path`, or undefined. */
export function getAt(root: Json, path: FieldPath): Json {
  let current = root;
  for (const step of path) {
    current = child(current, step);
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * Removes the value at `path`, then removes the maps and lists it leaves empty on the way up
 * unless `keep` says a remaining owner still claims them.
 */
export function deleteAt(root: JsonMap, path: FieldPath, keep: (path: FieldPath) => boolean): void {
  if (path.length === 0) return;
  const parentPath = path.slice(0, -1);
  const parent = getAt(root, parentPath);
  const step = path[path.length - 1] as string;
  if (step.startsWith('f:') && isMap(parent)) {
    delete parent[step.slice(2)];
  } else if (Array.isArray(parent)) {
    const index = parent.findIndex((item) => isMap(item) && itemStep(item) === step);
    if (index >= 0) parent.splice(index, 1);
  } else {
    return;
  }
  const empty = isMap(parent) ? Object.keys(parent).length === 0 : (parent as Json[]).length === 0;
  if (empty && parentPath.length > 1 && !keep(parentPath)) deleteAt(root, parentPath, keep);
}

/** Structural equality of JSON values. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}

/**
 * Merges `patch` into `base` the way apply does: maps field by field, associative lists item by
 * item (by `name`), everything else replaced. Returns a new value.
 */
export function applyMerge(base: Json, patch: Json): Json {
  if (isMap(base) && isMap(patch)) {
    const out: JsonMap = { ...base };
    for (const [key, value] of Object.entries(patch)) out[key] = applyMerge(base[key], value);
    return out;
  }
  if (isAssociativeList(base) && isAssociativeList(patch)) {
    const out = base.map((item) => {
      const update = patch.find((p) => p['name'] === item['name']);
      return update ? (applyMerge(item, update) as JsonMap) : item;
    });
    for (const item of patch) {
      if (!base.some((b) => b['name'] === item['name'])) out.push(item);
    }
    return out;
  }
  return structuredClone(patch);
}

/** Builds a `FieldsV1` tree (`{"f:spec":{"f:replicas":{}}}`) from leaf path keys. */
export function toFieldsV1(keys: Iterable<string>): JsonMap {
  const root: JsonMap = {};
  for (const key of keys) {
    let node = root;
    const path = keyPath(key);
    for (const step of path) {
      if (!isMap(node[step])) node[step] = {};
      node = node[step] as JsonMap;
    }
    if (path[path.length - 1]?.startsWith('k:')) node['.'] = {};
  }
  return root;
}
