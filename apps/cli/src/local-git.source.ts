import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GitSource } from '@flotilla/generators';

const run = promisify(execFile);

/** Where one `--repo URL=PATH` mapping points. */
interface RepoMapping {
  path: string;
  kind: 'git' | 'folder';
}

/**
 * A GitSource over local paths: a Git repository is read at the requested revision with
 * `git ls-tree` / `git cat-file` (no work tree checkout); a plain folder is read as it is,
 * whatever the revision.
 */
export class LocalGitSource implements GitSource {
  private readonly repos = new Map<string, RepoMapping>();

  /** Parses `--repo` values (`URL=PATH`) and detects which paths are Git repositories. */
  static async fromMappings(mappings: readonly string[]): Promise<LocalGitSource> {
    const source = new LocalGitSource();
    for (const mapping of mappings) {
      const eq = mapping.lastIndexOf('=');
      if (eq <= 0 || eq === mapping.length - 1)
        throw new Error(`--repo ${mapping}: expected URL=PATH`);
      const url = mapping.slice(0, eq);
      const path = mapping.slice(eq + 1);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isDirectory()) throw new Error(`--repo ${mapping}: ${path} is not a directory`);
      source.repos.set(url, { path, kind: (await isGitRepository(path)) ? 'git' : 'folder' });
    }
    return source;
  }

  private repo(repoURL: string): RepoMapping {
    const repo = this.repos.get(repoURL);
    if (!repo)
      throw new Error(`no local path for repository ${repoURL} (pass --repo ${repoURL}=PATH)`);
    return repo;
  }

  async resolveRevision(repoURL: string, revision: string): Promise<string> {
    const repo = this.repo(repoURL);
    if (repo.kind === 'folder') return revision;
    for (const candidate of [revision, `origin/${revision}`, `refs/tags/${revision}`]) {
      try {
        const { stdout } = await git(repo.path, [
          'rev-parse',
          '--verify',
          '--quiet',
          `${candidate}^{commit}`,
        ]);
        return stdout.trim();
      } catch {
        // try the next spelling
      }
    }
    throw new Error(`unable to resolve git revision ${JSON.stringify(revision)} of ${repoURL}`);
  }

  async listDirectories(repoURL: string, commit: string): Promise<string[]> {
    const repo = this.repo(repoURL);
    if (repo.kind === 'folder') return (await walk(repo.path)).dirs;
    const { stdout } = await git(repo.path, ['ls-tree', '-r', '-d', '--name-only', '-z', commit]);
    return stdout.split('\0').filter((p) => p !== '');
  }

  async listFiles(repoURL: string, commit: string): Promise<string[]> {
    const repo = this.repo(repoURL);
    if (repo.kind === 'folder') return (await walk(repo.path)).files;
    const { stdout } = await git(repo.path, ['ls-tree', '-r', '-z', commit]);
    // Entries are "<mode> <type> <object>\t<path>"; submodules (type commit) hold no content.
    return stdout
      .split('\0')
      .filter((e) => e.includes('\t') && e.split(' ')[1] === 'blob')
      .map((e) => e.slice(e.indexOf('\t') + 1));
  }

  async readFile(repoURL: string, commit: string, path: string): Promise<string> {
    const repo = this.repo(repoURL);
    if (repo.kind === 'folder') return readFile(join(repo.path, path), 'utf8');
    const { stdout } = await git(repo.path, ['cat-file', 'blob', `${commit}:${path}`]);
    return stdout;
  }
}

function git(cwd: string, args: string[]): Promise<{ stdout: string }> {
  return run('git', ['-C', cwd, ...args], { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' });
}

async function isGitRepository(path: string): Promise<boolean> {
  try {
    const { stdout } = await git(path, ['rev-parse', '--show-toplevel']);
    const top = stdout.trim();
    const [a, b] = await Promise.all([stat(top), stat(path)]);
    // Only the repository root counts: a plain folder inside some other checkout is a folder.
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

async function walk(root: string): Promise<{ dirs: string[]; files: string[] }> {
  const dirs: string[] = [];
  const files: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === '.git') continue;
        dirs.push(p);
        await visit(p);
      } else if (e.isFile() || e.isSymbolicLink()) {
        files.push(p);
      }
    }
  };
  await visit('');
  return { dirs, files };
}
