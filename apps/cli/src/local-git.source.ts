import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitSource } from '@flotilla/generators';
import { checkRevision, GitObjectReader, runGit } from '@flotilla/git';

/** Where one `--repo URL=PATH` mapping points. */
type RepoMapping =
  { kind: 'git'; path: string; reader: GitObjectReader } | { kind: 'folder'; path: string };

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
      source.repos.set(
        url,
        (await isGitRepository(path))
          ? { kind: 'git', path, reader: new GitObjectReader((args) => git(path, args), url) }
          : { kind: 'folder', path },
      );
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
    checkRevision(repoURL, revision);
    const commit = await repo.reader.resolveCommit([
      revision,
      `origin/${revision}`,
      `refs/tags/${revision}`,
    ]);
    if (commit === undefined) throw repo.reader.revisionNotFound(revision);
    return commit;
  }

  async listDirectories(repoURL: string, commit: string): Promise<string[]> {
    const repo = this.repo(repoURL);
    if (repo.kind === 'folder') return (await walk(repo.path)).dirs;
    return [...(await repo.reader.tree(commit)).directories];
  }

  async listFiles(repoURL: string, commit: string): Promise<string[]> {
    const repo = this.repo(repoURL);
    if (repo.kind === 'folder') return (await walk(repo.path)).files;
    return [...(await repo.reader.tree(commit)).files];
  }

  async readFile(repoURL: string, commit: string, path: string): Promise<string> {
    const repo = this.repo(repoURL);
    if (repo.kind === 'folder') return readFile(join(repo.path, path), 'utf8');
    return repo.reader.readFile(commit, path);
  }
}

/** Runs git in the user's repository, with the user's own git configuration. */
function git(cwd: string, args: string[]): Promise<Buffer> {
  return runGit(['-C', cwd, ...args], { maxBytes: 512 * 1024 * 1024 });
}

async function isGitRepository(path: string): Promise<boolean> {
  try {
    const top = (await git(path, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
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
