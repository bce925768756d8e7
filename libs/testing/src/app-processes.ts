// Hub and worker as their own processes, run from source: end-to-end tests meet them the way
// agents and consoles do in production (over HTTP), and can kill them.
import { eventually } from './eventually';
import { freePort } from './free-port';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SignJWT } from 'jose';

const ROOT = join(__dirname, '../../..');
/** The HS256 secret every e2e hub verifies user tokens with. */
export const E2E_JWT_SECRET = 'e2e-test-secret-0123456789abcdefghijklmn';

/** A running app process with its captured output. */
export interface AppProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once a line of its output matches (fails with the output if it exits first). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves with the exit code when the process has exited (null: ended by a signal). */
  readonly exited: Promise<number | null>;
}

/** A hub process with its base URL. */
export interface HubProcess extends AppProcess {
  readonly url: string;
  /** A GraphQL request as `token`; throws with the errors when the answer has any. */
  graphql<T = Record<string, unknown>>(
    token: string,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<T>;
}

function startApp(name: string, entry: string, env: Record<string, string>): AppProcess {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', '-r', 'reflect-metadata', entry],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        SWC_NODE_PROJECT: 'tsconfig.json',
        ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    name,
    child,
    exited,
    output: () => output,
    async waitForOutput(pattern, timeoutMs = 45_000) {
      await eventually(
        () => {
          if (pattern.test(output)) return Promise.resolve();
          if (child.exitCode !== null)
            throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
          throw new Error(`${name}: no output matching ${pattern} yet`);
        },
        timeoutMs,
        100,
      );
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** Starts a hub on a free port against `databaseUrl` (already migrated) and waits for /readyz. */
export async function startHubProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<HubProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = startApp('hub', 'apps/hub/src/main.ts', {
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: E2E_JWT_SECRET,
    PORT: String(port),
    HOST: '127.0.0.1',
    MIGRATE_ON_START: 'false',
    ...env,
  });
  await eventually(
    async () => {
      if (app.child.exitCode !== null) throw new Error(`hub exited:\n${app.output()}`);
      const res = await fetch(`${url}/readyz`);
      if (!res.ok) throw new Error(`readyz ${res.status}`);
    },
    45_000,
    200,
  );
  return {
    ...app,
    url,
    async graphql<T>(token: string, query: string, variables: Record<string, unknown> = {}) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: T; errors?: unknown[] };
      if (body.errors) throw new Error(`${query}\n${JSON.stringify(body.errors)}`);
      return body.data as T;
    },
  };
}

/** Starts a worker against `databaseUrl` and waits until it says it is ready. */
export async function startWorkerProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const app = startApp('worker', 'apps/worker/src/main.ts', {
    DATABASE_URL: databaseUrl,
    METRICS_PORT: '0',
    ...env,
  });
  await app.waitForOutput(/"msg":"worker ready"/);
  return app;
}

/** A user token signed with {@link E2E_JWT_SECRET}. */
export function userToken(subject: string, groups: readonly string[]): Promise<string> {
  return new SignJWT({ groups: [...groups] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setAudience('flotilla')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(E2E_JWT_SECRET));
}
