import { readFile, stat } from 'node:fs/promises';
import type { PolicySource } from './policy-provider';
import { parsePolicyCsv } from './policy-engine';

/**
 * The global policy from a mounted file (a ConfigMap, say). Its version is the file's mtime and
 * size, so an edit takes effect on the next request without a restart. A bad edit is refused
 * (the error names the line) and the request fails rather than running on a half-read policy.
 */
export function filePolicySource(path: string): PolicySource {
  return {
    async version() {
      const s = await stat(path);
      return `${s.mtimeMs}:${s.size}`;
    },
    async lines() {
      return [{ tenant: null, lines: parsePolicyCsv(await readFile(path, 'utf8'), path) }];
    },
  };
}
