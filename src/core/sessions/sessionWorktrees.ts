/**
 * Sessions in git worktrees: a spawn's worktree made before its agent starts (set-up files copied,
 * the set-up command run while the session shows `starting` with that detail), the counts of what
 * each session changed kept on its record as the agent works (a few git calls after a tool call
 * or a turn, never a full diff per refresh), and review, merge and discard by session name, also
 * of a worktree kept when its session was removed (keptWorktrees.ts). Merges into one repository
 * go one at a time.
 */
import * as path from 'node:path';
import { Git } from '../git/git';
import { Worktrees, type CreatedWorktree, type DiscardLoss, type DiscardResult, type MergeResult, type RepositoryInfo, type WorktreeReview } from '../git/worktrees';
import { isEnded, SessionRecord } from '../model/sessionRecord';
import type { SessionWorktree } from '../model/worktree';
import { coalesceByKey } from '../util/coalesce';
import type { CommandRunner } from '../util/commandRunner';
import { delay } from '../util/delay';
import { InstarError, invalidInput, isInstarError } from '../util/errors';
import type { Clock, Logger } from '../util/host';
import type { KeptWorktrees } from './keptWorktrees';
import type { SessionStore } from './sessionStore';

/** How a spawn asks for a worktree: true (a new branch instar/<name> from HEAD), a branch, or both a branch and a base. */
export type WorktreeRequest = boolean | string | { branch?: string; base?: string };

export interface WorktreeSetup {
  /** Globs of the main tree's untracked and ignored files to put into each new worktree (`.env*`). */
  files: readonly string[];
  mode: 'copy' | 'link';
  /** A shell command run in the new worktree before the agent starts. */
  command?: string;
  timeoutMs?: number;
}

/** Counting again after a change waits this long, so a burst of tool calls costs one count. */
const COUNT_GAP_MS = 1000;
/** Events after which a worktree may have changed. */
const CHANGING_EVENTS = new Set(['PostToolUse', 'PostToolUseFailure', 'Stop', 'StopFailure', 'SessionEnd']);

export interface SessionWorktreesOptions {
  runner: CommandRunner;
  logger: Logger;
  clock: Clock;
  /** The folder that holds the worktrees, outside the workspace. */
  root: () => string;
  setup: () => WorktreeSetup;
  gitPath: () => string | undefined;
  kept: KeptWorktrees;
}

export class SessionWorktrees {
  private git: Git;
  private gitPath: string | undefined;
  /** Counts by session id: one at a time, each followed by a pause so a burst of tool calls costs one more; one more when asked meanwhile. */
  private readonly counts = coalesceByKey(
    (id) =>
      this.countNow(id)
        .catch((error) => {
          if (!isInstarError(error, 'invalid-input')) this.options.logger.debug(`Could not count the changes of session ${id}: ${(error as Error).message}`);
        })
        .then(() => delay(COUNT_GAP_MS)),
    () => this.disposed,
  );
  /** The last event each session was counted after. */
  private readonly countedAfter = new Map<string, string>();
  /** The merge under way per repository. */
  private readonly merging = new Map<string, Promise<unknown>>();
  private disposed = false;

  constructor(
    private readonly store: SessionStore,
    private readonly options: SessionWorktreesOptions,
  ) {
    this.gitPath = options.gitPath();
    this.git = new Git({ runner: options.runner, logger: options.logger, path: this.gitPath });
  }

  private worktrees(): Worktrees {
    const wanted = this.options.gitPath();
    if (wanted !== this.gitPath) {
      this.gitPath = wanted;
      this.git = new Git({ runner: this.options.runner, logger: this.options.logger, path: wanted });
    }
    return new Worktrees({ git: this.git, root: this.options.root() });
  }

  /** Counts changes as sessions work: after tool calls and turns, and once for each live worktree session now. */
  start(): void {
    this.store.onDidChange(({ changed }) => {
      for (const record of changed) {
        if (!record.worktree || record.settingUp || record.worktreeDiscarded) continue;
        // After a tool call or a turn (hooks), when an agent without hooks settles, and at the end.
        const after = `${record.lastEvent ?? ''}@${record.lastEventAt ?? 0}:${record.status}`;
        if (this.countedAfter.get(record.id) === after) continue;
        // Just started (its SessionStart the only word yet): nothing can have changed, and a new checkout's first count reads every file.
        if (record.lastEvent === 'SessionStart' && !isEnded(record)) continue;
        const settled = record.status === 'idle' || record.status === 'waiting' || isEnded(record);
        if ((record.lastEvent && CHANGING_EVENTS.has(record.lastEvent)) || settled) {
          this.countedAfter.set(record.id, after);
          this.count(record.id);
        }
      }
    });
    for (const record of this.store.all()) if (record.worktree && !isEnded(record)) this.count(record.id);
  }

  /** The repository that holds `cwd`, or undefined outside one (the worktree option is then not offered). */
  repository(cwd: string): Promise<RepositoryInfo | undefined> {
    return this.worktrees().repository(cwd);
  }

  /** Reads a spawn's worktree request: true, a branch name, or { branch, base }. */
  static validate(request: unknown): { branch?: string; base?: string } | undefined {
    if (request === undefined || request === null || request === false) return undefined;
    if (request === true) return {};
    if (typeof request === 'string' && request.trim() !== '') return { branch: request.trim() };
    if (typeof request === 'object' && !Array.isArray(request)) {
      const { branch, base } = request as Record<string, unknown>;
      for (const [field, value] of [['branch', branch], ['base', base]] as const) {
        if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) throw invalidInput(`worktree.${field} must be a branch or ref name, not ${JSON.stringify(value)}.`);
      }
      return { branch: (branch as string | undefined)?.trim(), base: (base as string | undefined)?.trim() };
    }
    throw invalidInput(`worktree must be true (a new branch instar/<name> from HEAD), a branch name, or { "branch": …, "base": … }, not ${JSON.stringify(request)}.`);
  }

  /**
   * Makes the worktree of a session being spawned (its record added, `starting`): the worktree
   * and its branch, the set-up files, then the set-up command with the session's detail saying
   * so. Returns the worktree and the folder the agent starts in. A refusal before anything was
   * made throws as it is; a set-up command that fails throws `setup-failed` with its output, the
   * worktree kept to look into.
   */
  async prepare(record: SessionRecord, request: { branch?: string; base?: string }): Promise<{ worktree: SessionWorktree; cwd: string; output?: string }> {
    const worktrees = this.worktrees();
    let created: CreatedWorktree;
    try {
      created = await worktrees.create({ cwd: record.cwd, name: record.name, branch: request.branch, base: request.base });
    } catch (error) {
      if (isInstarError(error, 'not-a-repository') && /is not in a git repository/.test(error.message)) {
        throw new InstarError('not-a-repository', `${record.cwd} is not in a git repository, so the session cannot get a worktree: spawn it without one, or in a repository.`, { cause: error });
      }
      throw error;
    }
    const { mainTreeDirty, cwd, ...worktree } = created;
    const { logger } = this.options;
    logger.info(`${record.name}: worktree ${worktree.path} on ${worktree.branch} from ${worktree.base}${mainTreeDirty ? ' (the main tree has uncommitted changes: the worktree starts from HEAD without them)' : ''}`);
    const setup = this.options.setup();
    if (setup.files.length > 0) {
      const copied = await worktrees.copySetupFiles(worktree.repoRoot, worktree.path, setup.files, setup.mode);
      worktree.setupFiles = copied.copied;
      if (copied.copied.length > 0) logger.info(`${record.name}: ${setup.mode === 'link' ? 'linked' : 'copied'} ${copied.copied.join(', ')} into its worktree`);
      for (const skipped of copied.skipped) logger.debug(`${record.name}: set-up file ${skipped.path} not copied: ${skipped.reason}`);
    }
    const detail = mainTreeDirty ? 'worktree from HEAD (the main tree has uncommitted changes it does not have)' : undefined;
    this.updateStarting(record, { worktree, cwd, detail: setup.command ? `setting up its worktree: ${setup.command}` : (detail ?? 'starting in its worktree') });
    if (!setup.command) return { worktree, cwd };
    const result = await worktrees.runSetup(worktree, setup.command, { timeoutMs: setup.timeoutMs });
    logger.info(`${record.name}: set-up command done in ${result.durationMs} ms`);
    if (detail) this.updateStarting(record, { worktree, cwd, detail });
    return { worktree, cwd, output: result.output };
  }

  private updateStarting(record: SessionRecord, change: { worktree: SessionWorktree; cwd: string; detail: string }): void {
    const next = this.store.update(record.name, record.id, (current) => ({ ...current, worktree: change.worktree, cwd: change.cwd, statusDetail: change.detail }));
    if (next) void this.store.commit([next]);
  }

  /**
   * The worktree of a session (the live or ended session's, or one kept when its session was
   * removed), or a clear refusal. `record` is the session's, when it still has one.
   */
  async worktreeOf(name: string): Promise<{ record?: SessionRecord; worktree: SessionWorktree }> {
    const record = this.store.get(name);
    if (record?.worktree && !record.worktreeDiscarded) return { record, worktree: record.worktree };
    const kept = await this.options.kept.get(name);
    if (kept) return { worktree: kept.worktree };
    if (!record) this.store.require(name);
    throw invalidInput(`Session "${name}" does not run in a worktree of its own (it was spawned in ${record!.cwd}).`);
  }

  async review(name: string): Promise<WorktreeReview> {
    return this.worktrees().review((await this.worktreeOf(name)).worktree);
  }

  /** A file's content at a commit of the session's repository. */
  async show(name: string, commit: string, file: string): Promise<Buffer | undefined> {
    return this.worktrees().show((await this.worktreeOf(name)).worktree.repoRoot, commit, file);
  }

  async commitAll(name: string, message = `Work of the Instar session ${name}`): Promise<string | undefined> {
    const { record, worktree } = await this.worktreeOf(name);
    const commit = await this.worktrees().commitAll(worktree, message);
    if (record) this.count(record.id);
    return commit;
  }

  /** Merges the session's branch into its base in the main tree, one merge per repository at a time. */
  async merge(name: string): Promise<MergeResult> {
    const { record, worktree } = await this.worktreeOf(name);
    const repo = path.resolve(worktree.repoRoot);
    const previous = this.merging.get(repo) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.worktrees().merge(worktree));
    this.merging.set(repo, run);
    try {
      const result = await run;
      this.options.logger.info(`${name}: merged ${worktree.branch} into ${worktree.base}: ${result.kind}${result.conflicts?.length ? ` (${result.conflicts.join(', ')})` : ''}`);
      return result;
    } finally {
      if (this.merging.get(repo) === run) this.merging.delete(repo);
      if (record) this.count(record.id);
    }
  }

  async lossIfDiscarded(name: string): Promise<DiscardLoss> {
    return this.worktrees().lossIfDiscarded((await this.worktreeOf(name)).worktree);
  }

  /** Removes the session's worktree and its branch; refuses (naming what would be lost) unless `force`. */
  async discard(name: string, options: { force?: boolean } = {}): Promise<DiscardResult> {
    const { record, worktree } = await this.worktreeOf(name);
    const result = await this.worktrees().discard(worktree, options);
    this.options.logger.info(`${name}: discarded its worktree ${worktree.path}${result.deletedBranch ? ` and the branch ${worktree.branch}` : ''}`);
    if (!record) await this.options.kept.forget(name);
    const next = record && this.store.update(name, record.id, (current) => ({ ...current, worktreeDiscarded: true, worktreeChanges: undefined }));
    if (next) await this.store.commit([next]);
    return result;
  }

  /** Counts what a session changed, soon (one count at a time per session; one asked for meanwhile follows). */
  count(id: string): void {
    if (!this.disposed) void this.counts.run(id);
  }

  private async countNow(id: string): Promise<void> {
    const record = this.store.byId(id);
    if (!record?.worktree || record.worktreeDiscarded) return;
    const counts = await this.worktrees().changes(record.worktree);
    const at = this.options.clock.now();
    const next = this.store.update(record.name, id, (current) => {
      const before = current.worktreeChanges;
      if (before && before.files === counts.files && before.added === counts.added && before.removed === counts.removed) return undefined;
      return { ...current, worktreeChanges: { ...counts, at } };
    });
    if (next) await this.store.commit([next]);
  }

  dispose(): void {
    this.disposed = true;
  }
}
