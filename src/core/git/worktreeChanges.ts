/**
 * What a session changed in its worktree, against the merge-base of its base and the worktree's
 * HEAD (a base that moved on does not show others' work): committed, uncommitted and untracked
 * files, with line counts, from numstat and a capped read of the untracked files; never a diff text.
 */
import { open, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { InstarError, invalidInput } from '../util/errors';
import type { Git } from './git';
import { NumstatEntry, parseDiff } from './gitParse';
import { checkRevision, SessionWorktree, withoutSetupFiles } from './sessionWorktree';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed';

/** A changed file: the numstat counts are undefined for a binary file and an untracked file too large to count. */
export interface ChangedFile extends NumstatEntry {
  /** Relative to the worktree's top folder, "/"-separated; `oldPath` is the path at the merge-base, for a rename. */
  path: string;
  status: ChangeStatus;
  /** Not known to git yet (neither committed nor staged). */
  untracked: boolean;
}

export interface WorktreeReview {
  /** The commit the changes are against: open `<mergeBase>:<path>` beside the worktree's file. */
  mergeBase: string;
  files: ChangedFile[];
}

/** Counts for a tree row. */
export interface WorktreeChanges {
  files: number;
  added: number;
  removed: number;
}

/** An untracked file larger than this has its lines left uncounted. */
export const UNTRACKED_COUNT_LIMIT = 1024 * 1024;
/** All the untracked files together read no more than this, and no more than this many files; the rest are listed uncounted. */
export const UNTRACKED_READ_BUDGET = 8 * 1024 * 1024;
export const UNTRACKED_COUNT_FILES = 500;
/** Git's own test for binary content: a NUL in the first 8000 bytes. */
const BINARY_PROBE = 8000;

/** Raw statuses other than these (M, T for a type change, U while the worktree is mid-merge) read as modified. */
const STATUS_OF: Record<string, ChangeStatus> = { A: 'added', D: 'deleted', R: 'renamed' };

export async function review(git: Git, worktree: SessionWorktree): Promise<WorktreeReview> {
  const [mergeBase, untracked] = await Promise.all([mergeBaseOf(git, worktree), untrackedFiles(git, worktree)]);
  const diff = parseDiff(await git.run(worktree.path, ['diff', '-z', '--raw', '--numstat', '-M', '--no-ext-diff', '--no-textconv', mergeBase, '--']));
  const counts = new Map(diff.numstat.map((entry) => [entry.path, entry]));
  const files: ChangedFile[] = diff.raw.map((entry) => {
    const numbers: Partial<NumstatEntry> = counts.get(entry.path) ?? {};
    return {
      path: entry.path,
      status: STATUS_OF[entry.status] ?? 'modified',
      ...(entry.status === 'R' ? { oldPath: entry.oldPath } : {}),
      added: numbers.added,
      removed: numbers.removed,
      binary: numbers.binary ?? false,
      untracked: false,
    };
  });
  return { mergeBase, files: [...files, ...(await countUntracked(worktree.path, untracked))] };
}

export async function changes(git: Git, worktree: SessionWorktree): Promise<WorktreeChanges> {
  return summarize((await review(git, worktree)).files);
}

export function summarize(files: readonly ChangedFile[]): WorktreeChanges {
  return {
    files: files.length,
    added: files.reduce((sum, file) => sum + (file.added ?? 0), 0),
    removed: files.reduce((sum, file) => sum + (file.removed ?? 0), 0),
  };
}

/**
 * The merge-base of the base and the worktree's HEAD; of the base's creation commit and HEAD
 * when the base no longer resolves; the creation commit itself when the histories share nothing.
 */
export async function mergeBaseOf(git: Git, worktree: SessionWorktree): Promise<string> {
  for (const revision of [checkRevision(worktree.base, 'The base'), worktree.baseCommit]) {
    const answer = await git.attempt(worktree.path, ['merge-base', revision, 'HEAD']);
    if (answer.exitCode === 0 && answer.stdout.trim() !== '') return answer.stdout.trim();
  }
  return worktree.baseCommit;
}

async function untrackedFiles(git: Git, worktree: SessionWorktree): Promise<string[]> {
  const output = await git.run(worktree.path, ['ls-files', '--others', '--exclude-standard', '-z']);
  return withoutSetupFiles(output.split('\0').filter(Boolean), worktree);
}

/** Untracked files as added files, their lines counted within the size limits; symlinks and oversized files uncounted. */
async function countUntracked(top: string, paths: readonly string[]): Promise<ChangedFile[]> {
  let budget = UNTRACKED_READ_BUDGET;
  const files: ChangedFile[] = [];
  for (const path of paths) {
    const file: ChangedFile = { path, status: 'added', binary: false, untracked: true };
    files.push(file);
    if (files.length > UNTRACKED_COUNT_FILES) continue;
    const info = await lstat(join(top, path)).catch(() => undefined);
    if (!info?.isFile() || info.size > UNTRACKED_COUNT_LIMIT || info.size > budget) continue;
    budget -= info.size;
    const lines = await countLines(join(top, path), info.size);
    if (lines === 'binary') file.binary = true;
    else if (lines !== undefined) Object.assign(file, { added: lines, removed: 0 });
  }
  return files;
}

/** Lines as git counts them (a last line without "\n" counts), 'binary' for NUL content, undefined when unreadable. */
async function countLines(file: string, size: number): Promise<number | 'binary' | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    const content = buffer.subarray(0, bytesRead);
    if (content.subarray(0, BINARY_PROBE).includes(0)) return 'binary';
    let lines = 0;
    for (let at = content.indexOf(10); at >= 0; at = content.indexOf(10, at + 1)) lines += 1;
    return content.length > 0 && content[content.length - 1] !== 10 ? lines + 1 : lines;
  } finally {
    await handle.close();
  }
}

/**
 * A file's content at a commit, undefined when the commit has no such file (or it is a folder or
 * a submodule). The runner hands output over as UTF-8 text, so the bytes are exact for text
 * files; a binary file (ChangedFile.binary) arrives with its invalid sequences replaced.
 */
export async function show(git: Git, repoRoot: string, commit: string, path: string): Promise<Buffer | undefined> {
  checkRevision(commit, 'The commit');
  if (path === '' || /[\n\0]/.test(path) || path.startsWith('/')) throw invalidInput(`"${path}" is not a path inside the repository.`);
  const [commitLine, fileLine] = (await git.run(repoRoot, ['cat-file', '--batch-check'], { input: `${commit}^{commit}\n${commit}:${path}\n` })).split('\n');
  if (!/^[0-9a-f]+ commit /.test(commitLine ?? '')) throw new InstarError('unknown-ref', `"${commit}" names no commit in ${repoRoot}.`);
  const blob = /^([0-9a-f]+) blob \d+$/.exec(fileLine ?? '');
  if (!blob) return undefined;
  return Buffer.from(await git.run(repoRoot, ['cat-file', 'blob', blob[1]]), 'utf8');
}
