import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { storedCredential, type CredentialStore } from './credential.store';

/**
 * Keeps the credential in a JSON file (local mode), readable by its owner only (0600). Writes go
 * to a temporary file in the same directory, flushed, then renamed over the old one, so a crash
 * leaves either the old credential or the new one, never half of one.
 */
export function fileCredentialStore(path: string): CredentialStore {
  return {
    location: `file ${path}`,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      // A damaged file is an error, not "no credential": registering again would need a new token.
      const parsed = storedCredential.safeParse(JSON.parse(text));
      if (!parsed.success)
        throw new Error(`${path} does not hold a Flotilla credential: ${parsed.error.message}`);
      return parsed.data;
    },
    async save(credential) {
      const body = `${JSON.stringify(storedCredential.parse(credential), null, 2)}\n`;
      const temporary = join(
        dirname(path),
        `.${randomBytes(6).toString('hex')}.flotilla-credential.tmp`,
      );
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(body, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}
