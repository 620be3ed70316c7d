/**
 * Finds an agent program the way execvp would, so a missing one is reported before spawning. A
 * bare name not on PATH is also looked for where Claude Code's installers put it: an extension
 * host does not always get the PATH of the user's shell (code-server and remote hosts take the
 * login shell's; a GUI-started VS Code gets the desktop's).
 */
import { constants, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { InstarError } from '../util/errors';

/** Where installers put `claude` when it is not on PATH: the native installer, the old local install, npm's user prefix, Homebrew. */
export function installDirs(home = homedir()): string[] {
  return [path.join(home, '.local', 'bin'), path.join(home, '.claude', 'local'), path.join(home, '.npm-global', 'bin'), '/usr/local/bin', '/opt/homebrew/bin'];
}

async function executable(candidate: string): Promise<boolean> {
  try {
    const stat = await fs.stat(candidate);
    if (!stat.isFile()) return false;
    await fs.access(candidate, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function resolveCommand(command: string, envPath = process.env.PATH ?? '', fallbackDirs = installDirs()): Promise<string> {
  if (command.includes('/')) {
    if (await executable(command)) return path.resolve(command);
    throw new InstarError('agent-missing', `The agent command "${command}" does not exist or is not executable. Set instar.agent.command to the path of the claude program.`);
  }
  const onPath = envPath.split(path.delimiter).filter(Boolean);
  for (const dir of [...onPath, ...fallbackDirs.filter((dir) => !onPath.includes(dir))]) {
    const candidate = path.join(dir, command);
    if (await executable(candidate)) return path.resolve(candidate);
  }
  throw new InstarError(
    'agent-missing',
    `The agent command "${command}" was not found on PATH nor in ${fallbackDirs.join(', ')}. Install Claude Code ("npm install -g @anthropic-ai/claude-code") or set instar.agent.command to the path of the claude program.`,
  );
}
