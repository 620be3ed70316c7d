/**
 * The git program, run as data: an argument vector through the process runner (execa in
 * production), never a shell string, in an environment where nothing waits on a prompt or an
 * editor and messages come in English for the parsers and the people who read them.
 */
import type { CommandRunner } from '../util/commandRunner';
import { childEnvironment } from '../util/environment';
import { InstarError, InstarErrorCode } from '../util/errors';
import type { Logger } from '../util/host';
import { shellQuote } from '../util/shellQuote';

export const DEFAULT_GIT_TIMEOUT_MS = 30_000;

/**
 * Variables that would point git at another repository, index or object store than the folder
 * asked about (`git rev-parse --local-env-vars`): set when the host was started from a git hook.
 */
const REPOSITORY_VARIABLES = [
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_OBJECT_DIRECTORY',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_GRAFT_FILE',
  'GIT_INDEX_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_REPLACE_REF_BASE',
  'GIT_PREFIX',
  'GIT_INTERNAL_SUPER_PREFIX',
  'GIT_SHALLOW_FILE',
  'GIT_COMMON_DIR',
] as const;

/** Set for every call: no credential prompt, no editor, no pager, no optional index lock taken behind VS Code's back, C messages. */
const NON_INTERACTIVE: NodeJS.ProcessEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
  GIT_MERGE_AUTOEDIT: 'no',
  GIT_PAGER: 'cat',
  GIT_OPTIONAL_LOCKS: '0',
  LC_ALL: 'C',
};

export interface GitOptions {
  runner: CommandRunner;
  logger: Logger;
  /** The git program: a name looked up on PATH or a full path. Default "git". */
  path?: string;
  /** Time-out of a call that names none. Default 30 s. */
  timeoutMs?: number;
}

export interface GitRunOptions {
  timeoutMs?: number;
  input?: string;
  /** Added to the environment (after the inherited one, before the non-interactive settings). */
  env?: NodeJS.ProcessEnv;
}

/** What a finished git call answered, whatever its exit code. */
export interface GitOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A git call that could not start, ran out of time, or failed; `commandLine` is for reading only. */
export class GitError extends InstarError {
  constructor(
    code: InstarErrorCode,
    message: string,
    readonly commandLine: string,
    readonly exitCode?: number,
    /** Git's own message, as it wrote it. */
    readonly stderr = '',
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'GitError';
  }
}

/**
 * Git's message from its error output (its standard output when that is empty), on one line:
 * from its first "fatal:" or "error:" line on (the files it lists after it included, its hints
 * left out), else its last line.
 */
export function gitMessage(stderr: string, stdout = ''): string {
  const lines = (stderr.trim() !== '' ? stderr : stdout).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('hint:'));
  const first = lines.findIndex((line) => /^(fatal|error):/.test(line));
  if (first < 0) return lines.at(-1) ?? 'no message';
  return lines.slice(first).map((line) => line.replace(/^(fatal|error):\s*/, '')).join(' ');
}

export class Git {
  readonly runner: CommandRunner;
  readonly logger: Logger;
  readonly path: string;
  private readonly timeoutMs: number;

  constructor(options: GitOptions) {
    this.runner = options.runner;
    this.logger = options.logger;
    this.path = options.path || 'git';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  }

  /** Runs `git -C cwd …args` and returns its standard output; a non-zero exit throws a `git-failed` GitError. */
  async run(cwd: string, args: readonly string[], options: GitRunOptions = {}): Promise<string> {
    const output = await this.attempt(cwd, args, options);
    if (output.exitCode !== 0) throw this.failure(cwd, args, output);
    return output.stdout;
  }

  /** The `git-failed` error of a call that answered with a non-zero exit: git's message first, then the call. */
  failure(cwd: string, args: readonly string[], output: GitOutput, code: InstarErrorCode = 'git-failed'): GitError {
    const commandLine = this.commandLine(cwd, args);
    return new GitError(code, `${gitMessage(output.stderr, output.stdout)} (${commandLine}: exit ${output.exitCode})`, commandLine, output.exitCode, output.stderr);
  }

  /**
   * Runs git and returns its answer whatever the exit code, for calls whose exit code is the
   * answer (`rev-parse --verify`, `merge`). A git that cannot start or runs out of time still throws.
   */
  async attempt(cwd: string, args: readonly string[], options: GitRunOptions = {}): Promise<GitOutput> {
    // -C rather than the runner's cwd: a missing folder is then git's clear message, not a spawn error that looks like a missing git.
    const argv = ['-C', cwd, ...args];
    const commandLine = this.commandLine(cwd, args);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    this.logger.trace(commandLine);
    const env = childEnvironment({ ...process.env, ...options.env, ...NON_INTERACTIVE });
    for (const name of REPOSITORY_VARIABLES) if (options.env?.[name] === undefined) delete env[name];
    const result = await this.runner.run(this.path, argv, { timeoutMs, input: options.input, env });
    if (result.spawnError) {
      throw new GitError(
        'git-missing',
        `Git cannot be started (${this.path}: ${result.spawnError.code ?? result.spawnError.message}). Install Git (https://git-scm.com/downloads) or set instar.git.path to the git program.`,
        commandLine,
        undefined,
        '',
        { cause: result.spawnError },
      );
    }
    if (result.timedOut || result.exitCode === undefined) {
      throw new GitError('git-timeout', `${commandLine} did not finish within ${formatLimit(timeoutMs)} and was stopped.`, commandLine);
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  /** The call as a person would type it, quoted for reading; never executed. */
  commandLine(cwd: string, args: readonly string[]): string {
    return [this.path, '-C', cwd, ...args].map(shellQuote).join(' ');
  }
}

/** A time limit for a message: "200 ms", "30 s", "2.5 s". */
export const formatLimit = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);
