/**
 * Git worktrees for sessions: one folder and one branch a session, under a root outside the
 * workspace (`<root>/<session name>`, branch `instar/<session name>`), so that agents work side
 * by side without touching the main tree. This class answers what a repository is, makes and
 * lists worktrees, and is the one door to the rest (set-up, changes, review, merge, discard).
 */
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InstarError, invalidInput } from '../util/errors';
import { Git, GitError, gitMessage } from './git';
import { parseStatus, WorktreeEntry } from './gitParse';
import { checkRevision, listWorktrees, SessionWorktree } from './sessionWorktree';
import { isInside, realFolder, samePath } from './worktreePaths';
import { changes, ChangedFile, review, show, WorktreeChanges, WorktreeReview } from './worktreeChanges';
import { DiscardLoss, DiscardResult, discard, lossIfDiscarded } from './worktreeDiscard';
import { commitAll, merge, MergeResult } from './worktreeMerge';
import { copySetupFiles, runSetup, SetupFileMode, SetupFilesCopied, SetupOptions, SetupResult } from './worktreeSetup';

export type { ChangedFile, DiscardLoss, DiscardResult, MergeResult, SessionWorktree, SetupFilesCopied, SetupResult, WorktreeChanges, WorktreeEntry, WorktreeReview };

export const SESSION_BRANCH_PREFIX = 'instar/';
/** Checking out a large tree, and the post-checkout hook, may take longer than a plain git call. */
export const CHECKOUT_TIMEOUT_MS = 5 * 60_000;

/** A name that is safe as a folder and in a branch name: the session name rule. */
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface RepositoryInfo {
  /** The top folder of the tree that holds the folder asked about. */
  root: string;
  /** That folder relative to `root`, "/"-separated with a trailing "/", or "". */
  prefix: string;
  /** The branch checked out; undefined when detached or when it has no commit yet. */
  branch?: string;
  /** The HEAD commit; undefined in a repository with no commit yet (create refuses there). */
  head?: string;
  /** The tree has uncommitted changes, untracked files included: a new worktree will not have them. */
  dirty: boolean;
}

/** The main tree's changes, untracked files included. */
const STATUS = ['status', '--porcelain=v1', '-z', '--untracked-files=normal'];

/** Where a folder is in its repository: RepositoryInfo without the main tree's status (all `create` needs before it makes anything). */
type WhereInfo = Omit<RepositoryInfo, 'dirty'>;

export interface CreateWorktreeRequest {
  /** A folder inside the repository (the workspace folder). */
  cwd: string;
  /** The session name: lower-case letters, digits and "-". */
  name: string;
  /** Check out this branch: an existing one that no worktree has checked out, or a new one of this name. Default `instar/<name>`. */
  branch?: string;
  /** Start from this ref or commit. Default the current HEAD (its branch's name when on one). Ignored when `branch` exists. */
  base?: string;
}

export interface CreatedWorktree extends SessionWorktree {
  /** The main tree had uncommitted changes: the worktree started from HEAD without them. */
  mainTreeDirty: boolean;
  /** Where the session starts: the folder in the worktree that matches `cwd` in the main tree. */
  cwd: string;
}

export interface WorktreesOptions {
  git: Git;
  /** The folder that holds the worktrees, outside the workspace; created when first needed. */
  root: string;
}

export class Worktrees {
  readonly git: Git;
  readonly root: string;

  constructor(options: WorktreesOptions) {
    this.git = options.git;
    this.root = resolve(options.root);
  }

  /**
   * The repository that holds `cwd`: undefined outside a repository, in a bare one, and inside a
   * `.git` folder, so that callers say "not a git repository" and hide the worktree option.
   */
  async repository(cwd: string): Promise<RepositoryInfo | undefined> {
    const [where, status] = await Promise.all([this.where(cwd), this.git.attempt(cwd, STATUS)]);
    if (!where) return undefined;
    if (status.exitCode !== 0) throw this.git.failure(cwd, STATUS, status);
    return { ...where, dirty: parseStatus(status.stdout).entries.length > 0 };
  }

  /**
   * Makes `<root>/<name>` a worktree on a new branch `instar/<name>` (or `branch`) from `base`.
   * Refuses, leaving nothing behind (no folder, branch or registration, also when git fails half
   * way, e.g. in a post-checkout hook): a name that is not safe, a folder that exists, a branch
   * `instar/<name>` that exists, a branch checked out in another worktree, a base that names no
   * commit, a folder outside a repository or a repository without a commit.
   */
  async create(request: CreateWorktreeRequest): Promise<CreatedWorktree> {
    const { name } = request;
    if (!NAME.test(name)) throw invalidInput(`"${name}" cannot name a worktree: use lower-case letters a-z, digits 0-9 and "-", starting with a letter or digit, at most 64.`);
    // Whether the main tree has uncommitted changes only goes into the answer (its git status reads
    // every file): started now, awaited once the worktree is made, off the way to it.
    const dirty = this.mainTreeDirty(request.cwd);
    try {
      const repo = await this.where(request.cwd);
      if (!repo) throw new InstarError('not-a-repository', `${request.cwd} is not in a git repository with a work tree: a worktree needs one.`);
      if (!repo.head) throw new InstarError('not-a-repository', `The repository at ${repo.root} has no commit yet: make a first commit, then a worktree can start from it.`);
      const path = join(await realFolder(this.root), name);
      if (isInside(repo.root, path)) throw invalidInput(`The worktree folder ${path} would be inside the repository ${repo.root}: give a worktree root outside it.`);
      const created = request.branch === undefined && request.base === undefined ? await this.plainWorktree(repo, name, path) : await this.chosenWorktree(repo, request, path);
      await this.checkOut(created);
      this.git.logger.info(`created the worktree ${path} on ${created.branch} from ${created.base}`);
      return { ...created, mainTreeDirty: await dirty, cwd: join(path, repo.prefix.replace(/\/$/, '')) };
    } finally {
      // Settled whatever happened, so that a refusal leaves no call behind.
      await dirty.catch(() => undefined);
    }
  }

  /** The default: a new branch instar/<name> from HEAD. Its name is valid by the name rule; a branch of that name already there makes `git branch` refuse. */
  private async plainWorktree(repo: WhereInfo, name: string, path: string): Promise<SessionWorktree> {
    if (await lstat(path).catch(() => undefined)) throw new InstarError('name-taken', `The folder ${path} already exists: remove it, or choose another session name.`);
    return { path, branch: `${SESSION_BRANCH_PREFIX}${name}`, base: repo.branch ?? repo.head!, baseCommit: repo.head!, repoRoot: repo.root, ownsBranch: true };
  }

  /** A branch or base the caller chose: each checked before anything is made. */
  private async chosenWorktree(repo: WhereInfo, request: CreateWorktreeRequest, path: string): Promise<SessionWorktree> {
    const branch = request.branch ?? `${SESSION_BRANCH_PREFIX}${request.name}`;
    const base = checkRevision(request.base ?? repo.branch ?? repo.head!, 'The base');
    const [validBranch, baseCommit, existing, worktrees, folder] = await Promise.all([
      this.git.attempt(repo.root, ['check-ref-format', `refs/heads/${branch}`]),
      this.git.attempt(repo.root, ['rev-parse', '--quiet', '--verify', `${base}^{commit}`]),
      this.git.attempt(repo.root, ['rev-parse', '--quiet', '--verify', `refs/heads/${branch}`]),
      listWorktrees(this.git, repo.root),
      lstat(path).catch(() => undefined),
    ]);
    if (validBranch.exitCode !== 0 || branch.startsWith('-')) throw invalidInput(`"${branch}" is not a valid branch name.`);
    if (baseCommit.exitCode !== 0) throw new InstarError('unknown-ref', `The base "${base}" names no commit in ${repo.root}: give a branch, tag or commit that exists.`);
    if (folder) throw new InstarError('name-taken', `The folder ${path} already exists: remove it, or choose another session name.`);
    const branchExists = existing.exitCode === 0;
    if (branchExists && request.branch === undefined) {
      throw new InstarError('name-taken', `The branch ${branch} already exists (from an earlier session?): delete it (git branch -D ${branch}) or choose another session name.`);
    }
    const holder = worktrees.find((entry) => entry.branch === branch);
    if (holder) throw branchInUse(branch, holder.path);
    return { path, branch, base, baseCommit: baseCommit.stdout.trim(), repoRoot: repo.root, ownsBranch: !branchExists };
  }

  /** Where `cwd` is in its repository, without the main tree's status: its top folder, the folder below it, HEAD and its branch, in one git call. */
  private async where(cwd: string): Promise<WhereInfo | undefined> {
    const args = ['rev-parse', '--is-bare-repository', '--show-toplevel', '--show-prefix', 'HEAD', '--abbrev-ref', 'HEAD'];
    const answer = await this.git.attempt(cwd, args);
    const [bare, root, prefix, head, branch] = answer.stdout.split('\n');
    if (bare === 'true' || /not a git repository|must be run in a work tree/i.test(answer.stderr)) return undefined;
    // No commit yet: HEAD names nothing (create refuses, saying so).
    if (answer.exitCode !== 0 && /ambiguous argument 'HEAD'|unknown revision/.test(answer.stderr) && root) return { root, prefix: prefix ?? '', head: undefined, branch: undefined };
    if (answer.exitCode !== 0) throw this.git.failure(cwd, args, answer);
    return { root, prefix: prefix ?? '', head, branch: branch === 'HEAD' ? undefined : branch };
  }

  /** Whether the tree holding `cwd` has uncommitted changes, untracked files included (false outside a repository). */
  private async mainTreeDirty(cwd: string): Promise<boolean> {
    const status = await this.git.attempt(cwd, STATUS);
    return status.exitCode === 0 && parseStatus(status.stdout).entries.length > 0;
  }

  /** The branch (made here when the session owns it) checked out at the worktree's path; on any failure, what it made is undone. */
  private async checkOut(worktree: SessionWorktree): Promise<void> {
    const { repoRoot, branch, path } = worktree;
    if (worktree.ownsBranch) await this.git.run(repoRoot, ['branch', '--no-track', '--', branch, worktree.baseCommit]).catch((error) => Promise.reject(translated(error, branch)));
    try {
      await this.git.run(repoRoot, ['worktree', 'add', '--', path, branch], { timeoutMs: CHECKOUT_TIMEOUT_MS });
    } catch (error) {
      await this.undo(worktree);
      throw translated(error, branch);
    }
  }

  private async undo(worktree: SessionWorktree): Promise<void> {
    const { repoRoot, branch, path } = worktree;
    const quietly = (args: string[]) => this.git.run(repoRoot, args).catch((error) => this.git.logger.warn(`undoing a worktree: ${String(error)}`));
    // Only a worktree git registered at the path is ours to remove: a folder that appeared there meanwhile is someone else's.
    const registered = (await listWorktrees(this.git, repoRoot).catch(() => [])).some((entry) => samePath(entry.path, path));
    if (registered) await quietly(['worktree', 'remove', '--force', '--force', path]);
    await quietly(['worktree', 'prune']);
    if (worktree.ownsBranch) await quietly(['branch', '-D', '--', branch]);
  }

  /** The repository's worktrees, the main tree first: find a session's by its path. */
  list(repoRoot: string): Promise<WorktreeEntry[]> {
    return listWorktrees(this.git, repoRoot);
  }

  /** Copies (or links) the main tree's untracked and ignored files matching `globs` into the worktree; keep `copied` as the record's `setupFiles`. */
  copySetupFiles(repoRoot: string, worktreePath: string, globs: readonly string[], mode: SetupFileMode): Promise<SetupFilesCopied> {
    return copySetupFiles(this.git, repoRoot, worktreePath, globs, mode);
  }

  /** Runs the user's set-up command in the worktree (`/bin/sh -c`); `setup-failed` on a non-zero exit or time-out. */
  runSetup(worktree: SessionWorktree, command: string, options?: SetupOptions): Promise<SetupResult> {
    return runSetup(this.git, worktree, command, options);
  }

  /** Files changed and lines added and removed against the merge-base, uncommitted and untracked included. */
  changes(worktree: SessionWorktree): Promise<WorktreeChanges> {
    return changes(this.git, worktree);
  }

  /** The changed files against the merge-base of the base and the worktree's HEAD, and that merge-base. */
  review(worktree: SessionWorktree): Promise<WorktreeReview> {
    return review(this.git, worktree);
  }

  /** A file's content at a commit; undefined when the commit has no such file. */
  show(repoRoot: string, commit: string, path: string): Promise<Buffer | undefined> {
    return show(this.git, repoRoot, commit, path);
  }

  /** Commits everything uncommitted in the worktree; the commit, or undefined when there was nothing. */
  commitAll(worktree: SessionWorktree, message: string): Promise<string | undefined> {
    return commitAll(this.git, worktree, message);
  }

  /** Merges the worktree's branch into its base in the main tree. */
  merge(worktree: SessionWorktree): Promise<MergeResult> {
    return merge(this.git, worktree);
  }

  /** The uncommitted files and unmerged commits that discarding would lose. */
  lossIfDiscarded(worktree: SessionWorktree): Promise<DiscardLoss> {
    return lossIfDiscarded(this.git, worktree);
  }

  /** Removes the worktree and the session's branch; refuses with `worktree-has-work` unless nothing would be lost or `force`. */
  discard(worktree: SessionWorktree, options?: { force?: boolean }): Promise<DiscardResult> {
    return discard(this.git, worktree, options);
  }
}

const branchInUse = (branch: string, holder: string): InstarError =>
  new InstarError('branch-in-use', `The branch ${branch} is already checked out in the worktree ${holder}: a branch can be checked out in one worktree only; choose another branch.`);

/** Git's refusals in a race (between the checks and the change) as the same typed errors as the checks'. */
function translated(error: unknown, branch: string): unknown {
  if (!(error instanceof GitError)) return error;
  const inUse = /is already (?:checked out|used by worktree) at '([^']+)'/.exec(error.stderr);
  if (inUse) return branchInUse(branch, inUse[1]);
  if (/a branch named .* already exists/.test(error.stderr)) {
    return new InstarError('name-taken', `The branch ${branch} already exists (from an earlier session?): delete it (git branch -D ${branch}) or choose another session name.`, { cause: error });
  }
  if (/already exists/.test(error.stderr)) return new InstarError('name-taken', `${gitMessage(error.stderr)}: choose another session name.`, { cause: error });
  return error;
}
