import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** Credentials for a private repository: HTTPS basic (a token as password) or an SSH key. */
export const repositoryCredentialsSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('https'),
      username: z.string().min(1).max(256),
      password: z.string().min(1).max(8192),
    })
    .strict(),
  z
    .object({
      type: z.literal('ssh'),
      privateKey: z
        .string()
        .max(32_768)
        .refine((k) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(k), 'must be a PEM private key'),
    })
    .strict(),
]);
/** Credentials for a private repository. */
export type RepositoryCredentials = z.output<typeof repositoryCredentialsSchema>;

/** What git needs to use one set of credentials: extra environment, and files to remove after. */
export interface CredentialSession {
  readonly env: Readonly<Record<string, string>>;
  dispose(): Promise<void>;
}

/**
 * Answers git's username and password prompts from the environment, so that neither ever
 * appears in argv (visible to every local user through `ps`), in a URL, or in a file.
 */
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$FLOTILLA_GIT_USERNAME" ;;
  *) printf '%s\\n' "$FLOTILLA_GIT_PASSWORD" ;;
esac
`;

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The ssh command git runs: no user config (`-F /dev/null`), no agent, only the given identity,
 * never a prompt. Host keys are trusted on first use and pinned in `knownHostsFile` (the cache's
 * private home), so a host key that changes later is refused.
 */
export function sshCommand(knownHostsFile: string, identityFile?: string): string {
  return [
    'ssh',
    '-F',
    '/dev/null',
    ...(identityFile ? ['-i', shellQuote(identityFile)] : []),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
  ].join(' ');
}

/**
 * Prepares `credentials` for one git run in a fresh private directory under `tmpRoot`: HTTPS
 * gets a `GIT_ASKPASS` script reading `FLOTILLA_GIT_USERNAME`/`FLOTILLA_GIT_PASSWORD` from the
 * child's environment; SSH gets the key in a 0600 file and `GIT_SSH_COMMAND` using only it.
 * `dispose` deletes the directory (and so the key); call it in a `finally`.
 */
export async function prepareCredentials(
  credentials: RepositoryCredentials | undefined,
  tmpRoot: string,
  knownHostsFile: string,
): Promise<CredentialSession> {
  if (!credentials) {
    return { env: { GIT_SSH_COMMAND: sshCommand(knownHostsFile) }, dispose: async () => {} };
  }
  const dir = await mkdtemp(join(tmpRoot, 'cred-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    if (credentials.type === 'https') {
      const askpass = join(dir, 'askpass.sh');
      await writeFile(askpass, ASKPASS_SCRIPT, { mode: 0o700 });
      return {
        env: {
          GIT_ASKPASS: askpass,
          FLOTILLA_GIT_USERNAME: credentials.username,
          FLOTILLA_GIT_PASSWORD: credentials.password,
          GIT_SSH_COMMAND: sshCommand(knownHostsFile),
        },
        dispose,
      };
    }
    const key = join(dir, 'id');
    // ssh refuses a key file without the final newline, and any key readable by others.
    const pem = credentials.privateKey.endsWith('\n')
      ? credentials.privateKey
      : `${credentials.privateKey}\n`;
    await writeFile(key, pem, { mode: 0o600 });
    return { env: { GIT_SSH_COMMAND: sshCommand(knownHostsFile, key) }, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
