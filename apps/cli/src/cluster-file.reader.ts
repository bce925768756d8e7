import type { ClusterRecord } from '@flotilla/generators';
import { parseGoYaml } from '@flotilla/generators';

/**
 * Reads a `--clusters` file: a YAML or JSON list of `{name, server, labels, annotations,
 * project}`, each standing for one Argo CD cluster secret. Errors name the entry and field.
 */
export function readClusterFile(text: string, file: string): ClusterRecord[] {
  let doc: unknown;
  try {
    doc = parseGoYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new Error(`${file}: expected a list of clusters`);
  return doc.map((entry, i) => {
    const at = `${file}: clusters[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new Error(`${at}: expected an object`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!['name', 'server', 'labels', 'annotations', 'project'].includes(key))
        throw new Error(`${at}: unknown field "${key}"`);
    }
    const str = (key: string, required: boolean): string | undefined => {
      const v = e[key];
      if (v === undefined || v === null) {
        if (required) throw new Error(`${at}.${key}: Required value`);
        return undefined;
      }
      if (typeof v !== 'string') throw new Error(`${at}.${key}: expected a string`);
      return v;
    };
    const map = (key: string): Record<string, string> | undefined => {
      const v = e[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'object' || Array.isArray(v))
        throw new Error(`${at}.${key}: expected a map of strings`);
      for (const [k, x] of Object.entries(v))
        if (typeof x !== 'string') throw new Error(`${at}.${key}.${k}: expected a string`);
      return v as Record<string, string>;
    };
    const record: ClusterRecord = {
      name: str('name', true) as string,
      server: str('server', true) as string,
    };
    const labels = map('labels');
    const annotations = map('annotations');
    const project = str('project', false);
    if (labels) record.labels = labels;
    if (annotations) record.annotations = annotations;
    if (project !== undefined) record.project = project;
    return record;
  });
}
