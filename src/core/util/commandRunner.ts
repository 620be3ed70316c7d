/**
 * Runs a program with an argument vector (never a shell), asynchronously and bounded by a
 * time-out. The only place in the core that starts short-lived processes, with two backends
 * behind one interface:
 * - `ProcessRunner` (Node's execFile) for tmux, the hot path: the benchmark measured execa's own
 *   cost at about 0.45 ms a call, a quarter of what a spawn adds over a raw `tmux new-session`,
 *   and every status refresh pays it too;
 * - `ExecaRunner` (execa) for everything else: version probes, set-up commands, git.
 */
import { execFile } from 'node:child_process';

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Ends the process when aborted (a wait no longer wanted); the result says `aborted`. */
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The program could not be started at all (ENOENT, EACCES…). */
  spawnError?: NodeJS.ErrnoException;
  /** Ended by the caller's abort signal. */
  aborted?: boolean;
}

export interface CommandRunner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export class ProcessRunner implements CommandRunner {
  run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = execFile(
        file,
        args,
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 0, killSignal: 'SIGKILL', env: options.env, cwd: options.cwd, windowsHide: true, signal: options.signal },
        (error, stdout, stderr) => {
          const failure = error as (NodeJS.ErrnoException & { killed?: boolean; code?: string | number }) | null;
          if (options.signal?.aborted) {
            resolve({ exitCode: undefined, stdout, stderr, timedOut: false, aborted: true });
            return;
          }
          if (failure && typeof failure.code === 'string' && failure.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            resolve({ exitCode: undefined, stdout: '', stderr: '', timedOut: false, spawnError: failure });
            return;
          }
          const timedOut = Boolean(failure?.killed) && options.timeoutMs !== undefined;
          resolve({ exitCode: timedOut ? undefined : (child.exitCode ?? (failure ? 1 : 0)), stdout, stderr, timedOut });
        },
      );
      if (options.input !== undefined) {
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(options.input);
      } else {
        child.stdin?.end();
      }
    });
  }
}

/**
 * The same contract through execa, for every process that is not on the tmux hot path. Each
 * process leads a process group of its own, and a time-out ends the whole group: a set-up command
 * or a git hook whose children hold its output open would otherwise outlive its limit.
 */
export class ExecaRunner implements CommandRunner {
  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    // Loaded on first use: execa and its dependencies are 40 % of the bundle, off the way to activation.
    const { execa } = await import('execa');
    const subprocess = execa(file, args, {
      ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
      detached: true,
      killSignal: 'SIGKILL',
      env: options.env,
      extendEnv: options.env === undefined,
      cwd: options.cwd,
      reject: false,
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
      windowsHide: true,
    });
    let timedOut = false;
    const abort = () => endGroup(subprocess.pid);
    options.signal?.addEventListener('abort', abort, { once: true });
    if (options.signal?.aborted) abort();
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            endGroup(subprocess.pid);
          }, options.timeoutMs);
    try {
      const result = await subprocess;
      if (options.signal?.aborted) return { exitCode: undefined, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), timedOut: false, aborted: true };
      const spawnError = result.failed && result.exitCode === undefined && !timedOut && !result.isTerminated ? (result.cause as NodeJS.ErrnoException | undefined) : undefined;
      if (spawnError?.code) return { exitCode: undefined, stdout: '', stderr: '', timedOut: false, spawnError };
      return { exitCode: timedOut ? undefined : result.exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), timedOut };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
    }
  }
}

/** Ends a process group (its leader's pid), whatever is left of it. */
function endGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
