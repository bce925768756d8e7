/**
 * Per-request batching of field resolvers over a list. The resolver that returns parents notes
 * their ids (`noteParents`); the first child field resolver to ask (`loadForParent`) loads the
 * field for every noted parent not loaded yet, in one call, and its siblings share the result.
 * Unlike waiting a tick for siblings to ask, this does not depend on when each sibling's guard
 * finishes, so a list of N parents always costs one look-up.
 */
interface Scope {
  parents: Map<string, Set<string>>;
  loaded: Map<string, Map<string, Promise<Map<string, unknown>>>>;
}

const scopes = new WeakMap<object, Scope>();

function scopeOf(request: object): Scope {
  let scope = scopes.get(request);
  if (!scope) scopes.set(request, (scope = { parents: new Map(), loaded: new Map() }));
  return scope;
}

/** Notes that this request shows parents `ids` of `kind` (e.g. `ApplicationSet`). */
export function noteParents(request: object, kind: string, ids: readonly string[]): void {
  const scope = scopeOf(request);
  let known = scope.parents.get(kind);
  if (!known) scope.parents.set(kind, (known = new Set()));
  for (const id of ids) known.add(id);
}

/**
 * The value of field `field` (including its arguments, e.g. `applications:50:`) for parent `id`
 * of `kind`: loaded with `load` for every noted parent of `kind` not loaded yet for that field.
 */
export async function loadForParent<V>(
  request: object,
  kind: string,
  field: string,
  id: string,
  load: (ids: string[]) => Promise<Map<string, V>>,
): Promise<V> {
  const scope = scopeOf(request);
  const key = `${kind}.${field}`;
  let loaded = scope.loaded.get(key);
  if (!loaded) scope.loaded.set(key, (loaded = new Map()));
  let pending = loaded.get(id);
  if (!pending) {
    const ids = [...(scope.parents.get(kind) ?? [])].filter((p) => !loaded.has(p));
    if (!ids.includes(id)) ids.push(id);
    pending = load(ids) as Promise<Map<string, unknown>>;
    for (const p of ids) loaded.set(p, pending);
  }
  const value = (await pending).get(id);
  if (value === undefined) throw new Error(`${key}: nothing loaded for ${id}`);
  return value as V;
}
