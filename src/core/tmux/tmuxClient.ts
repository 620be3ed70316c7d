/**
 * Runs tmux commands against one server, bounded by a time-out, and turns failures into
 * typed errors. Every call goes through `run` and is logged at trace level.
 */
import { InstarError } from '../util/errors';
import type { Logger } from '../util/host';
import type { CommandRunner } from '../util/commandRunner';
import { childEnvironment } from '../util/environment';
import { shellQuote } from '../util/shellQuote';
import { attach, TmuxArgs, listPanes, toArgv, waitFor } from './commands';
import { PaneInfo, TmuxVersion, parseListPanes, parseVersion } from './parse';

export interface TmuxClientOptions {
  /** The -L socket name; '' for the user's default server. */
  socket: string;
  /** The tmux program. */
  binary?: string;
  timeoutMs?: number;
  logger: Logger;
}

export const MINIMUM_TMUX = { major: 3, minor: 0 };

const SERVER_GONE = /no server running|error connecting to|failed to connect to server|server exited unexpectedly|lost server/i;
const TARGET_MISSING = /can't find (session|window|pane)|no such session|session not found|no current (session|target)/i;

export class TmuxClient {
  private versionCheck: Promise<TmuxVersion> | undefined;
  readonly binary: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly runner: CommandRunner,
    private readonly options: TmuxClientOptions,
  ) {
    this.binary = options.binary ?? 'tmux';
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  get socket(): string {
    return this.options.socket;
  }

  /** The arguments that select this server, for commands a person runs (attach). */
  socketArgs(): string[] {
    return this.options.socket ? ['-L', this.options.socket] : [];
  }

  /** The shell command a person types to attach to a session. */
  attachCommand(name: string): string {
    return [this.binary, ...this.socketArgs(), ...attach(name)].map(shellQuote).join(' ');
  }

  /** Runs commands in one tmux call and returns standard output. */
  async run(commands: readonly TmuxArgs[], input?: string): Promise<string> {
    await this.ensureVersion();
    return this.exec(toArgv(commands), input);
  }

  /**
   * Runs `setup`, then waits for `channel` to be signalled, in one tmux call with no time-out:
   * resolves when it is (or the server exits), rejects like `run` when tmux refuses, and ends
   * quietly (resolves) when `signal` aborts.
   */
  async waitFor(channel: string, setup: readonly TmuxArgs[], signal: AbortSignal): Promise<void> {
    await this.ensureVersion();
    await this.exec(toArgv([...setup, waitFor(channel)]), undefined, { timeoutMs: undefined, signal });
  }

  /**
   * Every pane of the server in one call; an empty list when no server runs. A listing changes
   * nothing, so the first one does not wait for the version check: both go at once (an engine's
   * start waits for one tmux process, not two), and a tmux too old is still refused.
   */
  async listPanes(): Promise<PaneInfo[]> {
    try {
      if (this.versionCheck) return parseListPanes(await this.run([listPanes()]));
      const [version, listing] = await Promise.allSettled([this.ensureVersion(), this.exec(toArgv([listPanes()]))]);
      if (version.status === 'rejected') throw version.reason;
      if (listing.status === 'rejected') throw listing.reason;
      return parseListPanes(listing.value);
    } catch (error) {
      if (error instanceof InstarError && error.code === 'server-gone') return [];
      throw error;
    }
  }

  /** Checks once that tmux is installed and recent enough; the result is cached. */
  ensureVersion(): Promise<TmuxVersion> {
    this.versionCheck ??= this.checkVersion();
    this.versionCheck.catch(() => (this.versionCheck = undefined));
    return this.versionCheck;
  }

  private async checkVersion(): Promise<TmuxVersion> {
    const output = await this.exec(['-V']);
    const version = parseVersion(output);
    if (!version) throw new InstarError('tmux-failed', `Could not read the tmux version from ${JSON.stringify(output.trim())}.`);
    if (version.major < MINIMUM_TMUX.major || (version.major === MINIMUM_TMUX.major && version.minor < MINIMUM_TMUX.minor)) {
      throw new InstarError(
        'tmux-too-old',
        `tmux ${version.text} is too old: Instar Sessions needs tmux ${MINIMUM_TMUX.major}.${MINIMUM_TMUX.minor} or newer. Install a newer tmux (for example "sudo apt-get install tmux" or "brew install tmux").`,
      );
    }
    return version;
  }

  private async exec(args: readonly string[], input?: string, limits: { timeoutMs: number | undefined; signal?: AbortSignal } = { timeoutMs: this.timeoutMs }): Promise<string> {
    const argv = [...this.socketArgs(), ...args];
    this.options.logger.trace(`tmux ${argv.map(shellQuote).join(' ')}`);
    const result = await this.runner.run(this.binary, argv, { input, timeoutMs: limits.timeoutMs, signal: limits.signal, env: childEnvironment() });
    if (result.aborted) return result.stdout;
    if (result.spawnError) {
      if (result.spawnError.code === 'ENOENT') {
        throw new InstarError(
          'tmux-missing',
          `tmux was not found (looked for "${this.binary}" on PATH). Instar Sessions runs each agent in tmux: install it (for example "sudo apt-get install tmux" or "brew install tmux") and try again.`,
        );
      }
      throw new InstarError('tmux-failed', `Could not run ${this.binary}: ${result.spawnError.message}`, { cause: result.spawnError });
    }
    if (result.timedOut) {
      throw new InstarError('tmux-timeout', `tmux did not answer within ${this.timeoutMs} ms (${args[0] ?? ''}). The tmux server may be stuck; "tmux ${this.socketArgs().join(' ')} kill-server" ends it.`);
    }
    if (result.exitCode !== 0) {
      const message = result.stderr.trim() || result.stdout.trim() || `exit status ${result.exitCode}`;
      if (SERVER_GONE.test(message)) throw new InstarError('server-gone', `The tmux server${this.options.socket ? ` "${this.options.socket}"` : ''} is not running (${message}).`);
      if (TARGET_MISSING.test(message)) throw new InstarError('not-found', `tmux: ${message}`);
      throw new InstarError('tmux-failed', `tmux ${args[0] ?? ''} failed: ${message}`);
    }
    return result.stdout;
  }
}
