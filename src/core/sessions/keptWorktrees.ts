/**
 * Worktrees whose session was removed with its worktree kept: the record goes, so the worktree
 * is remembered here (its branch, base and folder), to be reviewed, merged, opened or discarded
 * later like a session's. A file of the state folder, so that every engine of the workspace (any
 * window, a reloaded one) sees the same list; written whole, renamed into place.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SessionWorktree } from '../model/worktree';
import { writeFileAtomic } from '../util/atomicWrite';

export interface KeptWorktree {
  /** The name of the session that worked in it. */
  name: string;
  worktree: SessionWorktree;
  /** When its session was removed. */
  keptAt: number;
}

export class KeptWorktrees {
  constructor(private readonly stateDir: string) {}

  private get file(): string {
    return path.join(this.stateDir, 'kept-worktrees.json');
  }

  /** The kept worktrees whose folder is still there (one removed by hand is left out, and forgotten at the next change). */
  async list(): Promise<KeptWorktree[]> {
    const entries = await this.read();
    const present = await Promise.all(entries.map((entry) => fs.stat(entry.worktree.path).then(() => true, () => false)));
    return entries.filter((_, index) => present[index]);
  }

  async get(name: string): Promise<KeptWorktree | undefined> {
    return (await this.list()).find((entry) => entry.name === name);
  }

  async keep(entry: KeptWorktree): Promise<void> {
    const entries = (await this.list()).filter((kept) => kept.name !== entry.name && kept.worktree.path !== entry.worktree.path);
    await this.write([...entries, entry]);
  }

  async forget(name: string): Promise<void> {
    const entries = await this.list();
    if (entries.some((entry) => entry.name === name)) await this.write(entries.filter((entry) => entry.name !== name));
  }

  private async read(): Promise<KeptWorktree[]> {
    try {
      const data: unknown = JSON.parse(await fs.readFile(this.file, 'utf8'));
      return Array.isArray(data) ? data.filter(isKept) : [];
    } catch {
      return [];
    }
  }

  private write(entries: KeptWorktree[]): Promise<void> {
    return writeFileAtomic(this.file, `${JSON.stringify(entries, null, 2)}\n`, { makeDir: true });
  }
}

function isKept(value: unknown): value is KeptWorktree {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<KeptWorktree>;
  const worktree = entry.worktree as Partial<SessionWorktree> | undefined;
  return typeof entry.name === 'string' && typeof entry.keptAt === 'number' && !!worktree && [worktree.path, worktree.branch, worktree.base, worktree.baseCommit, worktree.repoRoot].every((field) => typeof field === 'string');
}
