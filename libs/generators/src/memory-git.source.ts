import type { GitSource } from './sources';

/**
 * A GitSource over in-memory trees: `repoURL → revision → {path: content}`. Directories are
 * derived from the file paths. For tests and for callers that already hold the files.
 */
export class MemoryGitSource implements GitSource {
  constructor(private readonly repos: Record<string, Record<string, Record<string, string>>>) {}

  private tree(repoURL: string, commit: string): Record<string, string> {
    const tree = this.repos[repoURL]?.[commit];
    if (!tree)
      throw new Error(`unable to resolve git revision ${JSON.stringify(commit)} of ${repoURL}`);
    return tree;
  }

  async resolveRevision(repoURL: string, revision: string): Promise<string> {
    this.tree(repoURL, revision);
    return revision;
  }

  async listDirectories(repoURL: string, commit: string): Promise<string[]> {
    const dirs = new Set<string>();
    for (const file of Object.keys(this.tree(repoURL, commit))) {
      const parts = file.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    return [...dirs];
  }

  async listFiles(repoURL: string, commit: string): Promise<string[]> {
    return Object.keys(this.tree(repoURL, commit));
  }

  async readFile(repoURL: string, commit: string, path: string): Promise<string> {
    const content = this.tree(repoURL, commit)[path];
    if (content === undefined) throw new Error(`${path}: no such file`);
    return content;
  }
}
