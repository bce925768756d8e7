import { spawn } from 'node:child_process';

/** Options of one `git` invocation. */
export interface RunGitOptions {
  /** The complete environment of the child (nothing is inherited when given). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Killed (SIGKILL) after this long; the error then has `timedOut` set. */
  timeoutMs?: number;
  /** stdout beyond this many bytes kills the child (default 256 MiB). */
  maxBytes?: number;
  /** The executable (tests wrap git to record its arguments). */
  binary?: string;
}

/** `git` exited non-zero, was killed by the timeout, or produced too much output. */
export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut: boolean,
    readonly tooLarge: boolean,
  ) {
    super(
      timedOut
        ? `git ${args[0] ?? ''} timed out`
        : tooLarge
          ? `git ${args[0] ?? ''}: output over the size limit`
          : `git ${args[0] ?? ''} exited with ${exitCode}: ${stderr.trim().slice(0, 500)}`,
    );
  }
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Runs `git` with `args` (never through a shell) and resolves with its stdout as bytes. Callers
 * put `--` or `--end-of-options` before anything a user supplied, so nothing becomes an option.
 */
export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const child = spawn(options.binary ?? 'git', args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let timedOut = false;
    let tooLarge = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxBytes) {
        tooLarge = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    // Only the start of stderr matters for classifying a failure.
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 16_384) err += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut && !tooLarge) resolve(Buffer.concat(out));
      else reject(new GitCommandError(args, code, err, timedOut, tooLarge));
    });
  });
}
