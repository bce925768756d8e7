import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { GitSource } from '@flotilla/generators';
import { filesBelow, normalizeSourcePath, type SourceLocation } from './directory-source';
import { RenderError } from './render-error';
import type { RenderLimits } from './render-limits';

/** The rendering tools a worker may have on its PATH. */
export type ToolName = 'helm' | 'kustomize';

/** Where tools are looked up; the process's PATH unless a test passes its own. */
export interface ToolLookup {
  /** A PATH-style list of directories (default `process.env.PATH`). */
  path?: string;
}

/**
 * Finds `helm` and `kustomize` on the PATH once per instance (the PATH of a running worker does
 * not change) and runs them on a temporary checkout of a repository.
 */
export class ExternalTools {
  private readonly found = new Map<ToolName, Promise<string | undefined>>();

  constructor(private readonly lookup: ToolLookup = {}) {}

  /** The tool's executable, or undefined when it is not installed. */
  locate(tool: ToolName): Promise<string | undefined> {
    let found = this.found.get(tool);
    if (!found) {
      found = this.search(tool);
      this.found.set(tool, found);
    }
    return found;
  }

  private async search(tool: ToolName): Promise<string | undefined> {
    const dirs = (this.lookup.path ?? process.env.PATH ?? '').split(delimiter).filter(Boolean);
    for (const dir of dirs) {
      const candidate = join(dir, tool);
      const ok = await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      );
      if (ok) return candidate;
    }
    return undefined;
  }

  /** The executable, or a `ToolMissing` error that says what to do about it. */
  async require(tool: ToolName): Promise<string> {
    const binary = await this.locate(tool);
    if (binary === undefined) {
      throw new RenderError(
        'ToolMissing',
        `${tool} is not installed on this worker: install it (the Docker image has it) or use a plain directory source`,
      );
    }
    return binary;
  }

  /**
   * Writes the repository's files at the commit into a temporary directory (the whole tree, as
   * Argo CD renders in a full checkout: overlays reach `../base`), runs `fn` on it, removes it.
   */
  async withCheckout<T>(
    git: GitSource,
    at: SourceLocation,
    limits: Pick<RenderLimits, 'maxCheckoutBytes'>,
    fn: (root: string) => Promise<T>,
  ): Promise<T> {
    normalizeSourcePath(at.path);
    const root = await mkdtemp(join(tmpdir(), 'flotilla-render-'));
    try {
      const tree = join(root, 'repo');
      let bytes = 0;
      for (const file of await filesBelow(git, { ...at, path: '' })) {
        normalizeSourcePath(file);
        const text = await git.readFile(at.repoURL, at.commit, file);
        bytes += Buffer.byteLength(text, 'utf8');
        if (bytes > limits.maxCheckoutBytes) {
          throw new RenderError(
            'SourceTooLarge',
            `${at.repoURL} at ${at.commit} holds more than ${limits.maxCheckoutBytes} bytes of files to check out for rendering`,
          );
        }
        await mkdir(dirname(join(tree, file)), { recursive: true });
        await writeFile(join(tree, file), text);
      }
      return await fn(tree);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  /**
   * Runs a tool with a time limit and an output limit; failures become `ToolFailed` errors with
   * the tool's own message, temporary paths replaced by `.` (as Argo CD redacts them).
   */
  async run(
    tool: ToolName,
    args: readonly string[],
    options: { cwd: string; home: string; timeoutMs: number; maxBytes: number },
  ): Promise<string> {
    const binary = await this.require(tool);
    const redact = (text: string) =>
      text.split(options.cwd).join('.').split(options.home).join('.');
    return new Promise((resolve, reject) => {
      execFile(
        binary,
        args,
        {
          cwd: options.cwd,
          timeout: options.timeoutMs,
          maxBuffer: options.maxBytes,
          encoding: 'utf8',
          // No credentials or settings of the worker's own user reach the tool.
          env: {
            PATH: this.lookup.path ?? process.env.PATH ?? '',
            HOME: options.home,
            HELM_CACHE_HOME: join(options.home, 'cache'),
            HELM_CONFIG_HOME: join(options.home, 'config'),
            HELM_DATA_HOME: join(options.home, 'data'),
          },
        },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            return reject(
              new RenderError(
                'ToolMissing',
                `${tool} is not installed on this worker: install it (the Docker image has it) or use a plain directory source`,
              ),
            );
          }
          if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            return reject(
              new RenderError('SourceTooLarge', `${tool} output exceeds ${options.maxBytes} bytes`),
            );
          }
          if (error.killed) {
            return reject(
              new RenderError('ToolFailed', `${tool} timed out after ${options.timeoutMs} ms`),
            );
          }
          const detail = redact(String(stderr).trim() || error.message).slice(0, 2000);
          reject(new RenderError('ToolFailed', `${tool} ${args[0]} failed: ${detail}`));
        },
      );
    });
  }
}
