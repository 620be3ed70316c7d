/** Finds an agent program the way execvp would, so a missing one is reported before spawning. */
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InstarError } from '../util/errors';

export async function resolveCommand(command: string, envPath = process.env.PATH ?? ''): Promise<string> {
  const candidates = command.includes('/') ? [command] : envPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      const stat = await fs.stat(candidate);
      if (stat.isFile()) {
        await fs.access(candidate, constants.X_OK);
        return path.resolve(candidate);
      }
    } catch {
      // Not here.
    }
  }
  throw new InstarError(
    'agent-missing',
    command.includes('/')
      ? `The agent command "${command}" does not exist or is not executable. Set instar.agent.command to the path of the claude program.`
      : `The agent command "${command}" was not found on PATH. Install Claude Code ("npm install -g @anthropic-ai/claude-code") or set instar.agent.command to the path of the claude program.`,
  );
}
