/**
 * A private tmux server for one test run: its own -L socket, killed when the run ends, even
 * when a test fails or the process is interrupted.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const sockets = new Set<string>();

/** Ends a tmux server and removes its socket file. */
export function killServer(socket: string): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // Not running.
  }
  const uid = process.getuid?.() ?? 0;
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`, socket), { force: true });
}

/** A fresh socket name, registered for clean-up at exit. */
export function privateSocket(label = 'test'): string {
  const socket = `instar-${label}-${process.pid}-${randomBytes(3).toString('hex')}`;
  sockets.add(socket);
  return socket;
}

export function cleanupSocket(socket: string): void {
  killServer(socket);
  sockets.delete(socket);
}

function cleanupAll(): void {
  for (const socket of sockets) killServer(socket);
  sockets.clear();
}

process.on('exit', cleanupAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanupAll();
    process.exit(130);
  });
}

/** Runs a tmux command on a socket and returns its output (for tests that look behind the engine). */
export function tmuxOn(socket: string, ...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 10_000 });
}

/** The tmux sessions of a server that run the Instar session `name` (of any workspace: `<label>-<key>/name`). */
export function tmuxSessionsNamed(socket: string, name: string): string[] {
  let listed: string;
  try {
    listed = tmuxOn(socket, 'list-sessions', '-F', '#{session_name}');
  } catch {
    return []; // No server.
  }
  return listed.split('\n').filter((session) => session === name || session.endsWith(`/${name}`));
}
