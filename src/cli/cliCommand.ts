/**
 * A command of `instar`: its usage and summary for the help, the flags and options it takes, and
 * what it runs with (the API, the terminal, what was typed); the exit statuses, and how a command
 * prints its answer (the API's JSON with --json, else its text).
 */
import type { ApiClient } from './apiClient';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, timeout: 4 } as const;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The whole of standard input (for "-" in place of a prompt or text). */
  stdin: () => Promise<string>;
  /** Runs the keeper in the foreground with these arguments; resolves with its exit status. */
  runKeeper?: (args: string[]) => Promise<number>;
  /** Serves MCP over stdio for the workspace found from `cwd`, until stdin closes; resolves with the exit status. */
  runMcp?: (cwd: string) => Promise<number>;
}

export interface Command {
  usage: string;
  summary: string;
  flags?: string[];
  options?: string[];
  run: (context: Context) => Promise<number>;
}

export interface Context {
  api: ApiClient;
  io: CliIo;
  words: string[];
  options: Map<string, string>;
  flags: Set<string>;
  json: boolean;
}

/** A session as the API answers it: the fields the commands read. */
export interface Session {
  name: string;
  status: string;
  statusDetail: string | null;
  model: string;
  label: string | null;
  turns: number;
  [key: string]: unknown;
}

export function show(c: Context, value: unknown, text: string | undefined): number {
  c.io.out(c.json || text === undefined ? JSON.stringify(value, null, 2) : text);
  return EXIT.ok;
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd()).join('\n');
}
