/**
 * Making a new worktree ready to work in: the main tree's local files that git does not carry
 * (`.env`, local configuration) copied or linked in, and the user's set-up command run there.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, realpath, stat, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { childEnvironment } from '../util/environment';
import { InstarError, invalidInput } from '../util/errors';
import { shellQuote } from '../util/shellQuote';
import { formatLimit, Git } from './git';
import type { SessionWorktree } from './sessionWorktree';
import { isInside, realFolder } from './worktreePaths';

export type SetupFileMode = 'copy' | 'link';

export interface SetupFilesCopied {
  /** Relative paths now in the worktree: keep them as `SessionWorktree.setupFiles`. */
  copied: string[];
  /** Matching files left out, with the reason. */
  skipped: { path: string; reason: string }[];
}

/**
 * Copies (or symlinks) the untracked and ignored files of the main tree that match `globs` into
 * the worktree at the same relative paths. Globs are git pathspecs with `:(glob)` magic, relative
 * to the repository's top folder: `*` stays within a folder, `**` crosses folders (`.env*`,
 * `config/*.local.json`, `**\/.env`). Git does the matching, so the tree is not walked here;
 * tracked files (already in the worktree) never match. Nothing under a `.git` folder, nothing
 * whose real path leaves the repository, and nothing over an existing file is written.
 */
export async function copySetupFiles(git: Git, repoRoot: string, worktreePath: string, globs: readonly string[], mode: SetupFileMode): Promise<SetupFilesCopied> {
  const result: SetupFilesCopied = { copied: [], skipped: [] };
  if (globs.length === 0) return result;
  const pathspecs = globs.map((glob) => `:(glob)${checkGlob(glob)}`);
  const output = await git.run(repoRoot, ['ls-files', '--others', '-z', '--', ...pathspecs]);
  const [realRoot, realWorktree] = await Promise.all([realpath(repoRoot), realpath(worktreePath)]);
  for (const path of output.split('\0')) {
    // A trailing "/" is a nested repository, listed as a folder.
    if (path === '' || path.endsWith('/')) continue;
    const reason = await placeSetupFile(path, realRoot, realWorktree, mode);
    if (reason) result.skipped.push({ path, reason });
    else result.copied.push(path);
  }
  git.logger.debug(`set-up files for ${worktreePath}: ${result.copied.length} ${mode === 'copy' ? 'copied' : 'linked'}, ${result.skipped.length} skipped`);
  return result;
}

/** A glob as given in a setting, refused when it would be pathspec magic, absolute or climb out of the repository. */
function checkGlob(glob: string): string {
  if (glob === '' || glob.startsWith(':') || isAbsolute(glob) || glob.split(/[\\/]/).includes('..') || /[\0\n]/.test(glob)) {
    throw invalidInput(`"${glob}" is not a usable set-up file pattern: give a glob relative to the repository, such as ".env*" or "config/*.local.json".`);
  }
  return glob;
}

/** Puts one file into the worktree; the reason it did not, or undefined. */
async function placeSetupFile(path: string, realRoot: string, realWorktree: string, mode: SetupFileMode): Promise<string | undefined> {
  if (path.split('/').includes('.git')) return 'inside a .git folder';
  const source = join(realRoot, path);
  const real = await realpath(source).catch(() => undefined);
  if (!real) return 'gone, or a broken link';
  if (!isInside(realRoot, real)) return 'a link out of the repository';
  if (isInside(join(realRoot, '.git'), real)) return 'a link into .git';
  if (!(await stat(real)).isFile()) return 'not a file';
  const target = join(realWorktree, path);
  // A folder of the worktree may be a (tracked) link: nothing is created or written through one that leads out.
  if (!isInside(realWorktree, await realFolder(dirname(target)))) return 'its folder in the worktree leads out of it';
  await mkdir(dirname(target), { recursive: true });
  if (!isInside(realWorktree, await realpath(dirname(target)))) return 'its folder in the worktree leads out of it';
  try {
    if (mode === 'link') await symlink(real, target);
    else await copyFile(real, target, constants.COPYFILE_EXCL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'already in the worktree';
    throw error;
  }
  return undefined;
}

// ---- the set-up command ----

/** Standard output then standard error of a set-up command are kept up to this many characters, from the end. */
export const SETUP_OUTPUT_LIMIT = 4096;
export const DEFAULT_SETUP_TIMEOUT_MS = 5 * 60_000;

export interface SetupOptions {
  timeoutMs?: number;
  /** Added to the inherited environment. */
  env?: NodeJS.ProcessEnv;
}

export interface SetupResult {
  /** The end of its standard output and standard error. */
  output: string;
  durationMs: number;
}

/** A set-up command that exited non-zero, was stopped at its time-out, or could not start. */
export class SetupCommandError extends InstarError {
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly timedOut: boolean,
    /** The end of its standard output, then standard error (SETUP_OUTPUT_LIMIT characters). */
    readonly output: string,
  ) {
    super('setup-failed', message);
    this.name = 'SetupCommandError';
  }
}

/**
 * Runs the user's set-up command in the worktree's top folder as `/bin/sh -c <command>`: the
 * command is the user's own shell text from a setting, passed as one argument, with nothing put
 * into it. It sees INSTAR_WORKTREE, INSTAR_REPOSITORY and INSTAR_BRANCH.
 */
export async function runSetup(git: Git, worktree: SessionWorktree, command: string, options: SetupOptions = {}): Promise<SetupResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS;
  const env = childEnvironment({ ...process.env, ...options.env, INSTAR_WORKTREE: worktree.path, INSTAR_REPOSITORY: worktree.repoRoot, INSTAR_BRANCH: worktree.branch });
  git.logger.trace(`cd ${shellQuote(worktree.path)} && /bin/sh -c ${shellQuote(command)}`);
  const started = performance.now();
  const result = await git.runner.run('/bin/sh', ['-c', command], { cwd: worktree.path, timeoutMs, env });
  const durationMs = Math.round(performance.now() - started);
  const output = lastCharacters(joinOutput(result.stdout, result.stderr), SETUP_OUTPUT_LIMIT);
  const shown = output.trim() === '' ? 'It wrote nothing.' : `Its last output:\n${output}`;
  if (result.spawnError) {
    throw new SetupCommandError(`The set-up command could not start (/bin/sh: ${result.spawnError.code ?? result.spawnError.message}).`, command, undefined, false, '');
  }
  if (result.timedOut || result.exitCode === undefined) {
    throw new SetupCommandError(`The set-up command "${command}" did not finish within ${formatLimit(timeoutMs)} in ${worktree.path} and was stopped. ${shown}`, command, undefined, true, output);
  }
  if (result.exitCode !== 0) {
    throw new SetupCommandError(`The set-up command "${command}" exited with status ${result.exitCode} in ${worktree.path}. ${shown}`, command, result.exitCode, false, output);
  }
  return { output, durationMs };
}

const joinOutput = (stdout: string, stderr: string): string => (stdout === '' || stderr === '' || stdout.endsWith('\n') ? stdout + stderr : `${stdout}\n${stderr}`);

const lastCharacters = (text: string, limit: number): string => (text.length <= limit ? text : `…${text.slice(text.length - limit)}`);
