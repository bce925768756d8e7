import { isAssociativeList, isMap } from './field-path';
import { StatusError } from './status-error';

/**
 * JSON merge patch (RFC 7386); with `strategic`, lists of named objects (containers, env,
 * ports, volumes) are merged item by item as strategic merge patch does for them.
 */
export function mergePatch(target: unknown, patch: unknown, strategic = false): unknown {
  if (!isMap(patch)) {
    if (strategic && isAssociativeList(target) && isAssociativeList(patch)) {
      const out = target.map((item) => {
        const update = patch.find((p) => p['name'] === item['name']);
        return update ? mergePatch(item, update, true) : item;
      });
      for (const item of patch) {
        if (!target.some((t) => t['name'] === item['name'])) out.push(item);
      }
      return out;
    }
    return structuredClone(patch);
  }
  const out: Record<string, unknown> = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value, strategic);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function pointer(path: string): string[] {
  return path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(root: unknown, steps: string[]): unknown {
  let current = root;
  for (const step of steps.slice(0, -1)) {
    current = (current as Record<string, unknown> | undefined)?.[step];
  }
  if (typeof current !== 'object' || current === null) {
    throw new StatusError('Invalid', `jsonpatch: path not found: /${steps.join('/')}`);
  }
  return current;
}

/** JSON patch (RFC 6902): add, remove, replace, test, copy and move. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new StatusError('BadRequest', 'a JSON patch must be a list');
  let root = structuredClone(target);
  for (const op of ops as JsonPatchOp[]) {
    const steps = pointer(op.path);
    const value =
      op.op === 'copy' || op.op === 'move' ? readAt(root, pointer(op.from ?? '')) : op.value;
    if (op.op === 'test') {
      if (JSON.stringify(readAt(root, steps)) !== JSON.stringify(op.value)) {
        throw new StatusError('Invalid', `testing value /${steps.join('/')} failed`);
      }
      continue;
    }
    if (op.op === 'move') root = removeAt(root, pointer(op.from ?? ''));
    if (op.op === 'remove' || op.op === 'replace') root = removeAt(root, steps);
    if (op.op === 'add' || op.op === 'replace' || op.op === 'copy' || op.op === 'move') {
      root = addAt(root, steps, structuredClone(value));
    }
  }
  return root;
}

function readAt(root: unknown, steps: string[]): unknown {
  return steps.reduce<unknown>((c, s) => (c as Record<string, unknown> | undefined)?.[s], root);
}

function removeAt(root: unknown, steps: string[]): unknown {
  const parent = parentOf(root, steps);
  const last = steps[steps.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as Record<string, unknown>)[last];
  return root;
}

function addAt(root: unknown, steps: string[], value: unknown): unknown {
  if (steps.length === 0) return value;
  const parent = parentOf(root, steps);
  const last = steps[steps.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, value);
  else (parent as Record<string, unknown>)[last] = value;
  return root;
}
