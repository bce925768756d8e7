import { readFile } from 'node:fs/promises';
import { Document } from 'yaml';
import {
  generateApplications,
  parseApplicationSet,
  type ClusterRecord,
  type GenerationResult,
  type ParamSet,
} from '@flotilla/generators';
import { readClusterFile } from './cluster-file.reader';
import { LocalGitSource } from './local-git.source';

/** Options of `flotilla appset generate`. */
export interface AppsetGenerateOptions {
  file: string;
  clusters?: string;
  repo: string[];
  output: 'yaml' | 'json' | 'params';
  localCluster: boolean;
  enableNewGitFileGlobbing: boolean;
  enableProgressiveSyncs: boolean;
}

/** Where the command writes; injected so that tests and the process share one code path. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * Renders an ApplicationSet offline with the hub's library. Returns the exit code: 0 when every
 * Application was generated, 1 on any error (valid Applications are still printed when Argo CD
 * would still create them).
 */
export async function appsetGenerate(opts: AppsetGenerateOptions, io: CommandIo): Promise<number> {
  let result: GenerationResult;
  try {
    const appSet = parseApplicationSet(await readFile(opts.file, 'utf8'));
    const clusters: ClusterRecord[] = opts.clusters
      ? readClusterFile(await readFile(opts.clusters, 'utf8'), opts.clusters)
      : [];
    const git = await LocalGitSource.fromMappings(opts.repo);
    result = await generateApplications(appSet, {
      clusters,
      git,
      localCluster: opts.localCluster,
      newGitFileGlobbing: opts.enableNewGitFileGlobbing,
      progressiveSyncs: opts.enableProgressiveSyncs,
    });
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n`);
    return 1;
  }
  if (result.error !== undefined) {
    io.stderr(`error: ${result.error}\n`);
    return 1;
  }
  io.stdout(format(result, opts.output));
  for (const e of result.validationErrors)
    io.stderr(`error: application ${JSON.stringify(e.application)}: ${e.message}\n`);
  return result.validationErrors.length > 0 ? 1 : 0;
}

function format(result: GenerationResult, output: AppsetGenerateOptions['output']): string {
  switch (output) {
    case 'params':
      return `${JSON.stringify(result.params.map(sortKeys), null, 2)}\n`;
    case 'json':
      return `${JSON.stringify(result.applications, null, 2)}\n`;
    case 'yaml':
      return result.applications
        .map((app) =>
          new Document(app, { aliasDuplicateObjects: false }).toString({ lineWidth: 0 }),
        )
        .join('---\n');
  }
}

// Go prints maps with sorted keys; so does `-o params`, so that output is stable.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: ParamSet = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as ParamSet)[key]);
    return out;
  }
  return value;
}
