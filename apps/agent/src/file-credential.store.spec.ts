import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCredentialStore } from './file-credential.store';

const credential = {
  clusterId: 'f60ef6f8-44b3-4cd4-8ddb-92f76590940b',
  credential: 'flt_cls_NAEHLoDhLBWy92-Qgju_zHg91FGHXtVSvMaDq7et0l0',
  credentialExpiresAt: '2026-03-31T10:00:00.000Z',
  receivedAt: '2026-03-01T10:00:00.000Z',
};

describe('fileCredentialStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('has no credential before the first save', async () => {
    expect(await fileCredentialStore(join(dir, 'credential.json')).load()).toBeUndefined();
  });

  it('saves with mode 0600, replaces atomically and leaves no temporary file', async () => {
    const path = join(dir, 'credential.json');
    const store = fileCredentialStore(path);
    await store.save(credential);
    expect(await store.load()).toEqual(credential);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const rotated = { ...credential, credential: 'flt_cls_other' };
    await store.save(rotated);
    expect(await fileCredentialStore(path).load()).toEqual(rotated);
    expect(await readdir(dir)).toEqual(['credential.json']);
  });

  it('refuses a damaged file instead of reporting no credential (that would re-register)', async () => {
    const path = join(dir, 'credential.json');
    await writeFile(path, JSON.stringify({ credential: 'x' }));
    await expect(fileCredentialStore(path).load()).rejects.toThrow(
      /does not hold a Flotilla credential/,
    );
  });

  it('fails to save into a missing directory without touching anything', async () => {
    const store = fileCredentialStore(join(dir, 'missing', 'credential.json'));
    await expect(store.save(credential)).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});
