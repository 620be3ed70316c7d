/**
 * Runs a program with an argument vector (never a shell), asynchronously and bounded by a
 * time-out. The only place in the core that starts processes.
 */
import { execa } from 'execa';

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The program could not be started at all (ENOENT, EACCES…). */
  spawnError?: NodeJS.ErrnoException;
}

export interface CommandRunner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export class ExecaRunner implements CommandRunner {
  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const result = await execa(file, args, {
      reject: false,
      shell: false,
      input: options.input,
      timeout: options.timeoutMs,
      env: options.env,
      extendEnv: options.env === undefined,
      cwd: options.cwd,
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
      encoding: 'utf8',
      stdin: options.input === undefined ? 'ignore' : 'pipe',
    });
    const cause = result.cause as NodeJS.ErrnoException | undefined;
    const spawnError = result.exitCode === undefined && cause && typeof cause.code === 'string' && !result.timedOut ? cause : undefined;
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      timedOut: Boolean(result.timedOut),
      spawnError,
    };
  }
}
