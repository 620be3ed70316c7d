/**
 * Where the agent program is: searched on PATH once per command, then only checked to be still
 * executable (a PATH search per spawn was measurable in the benchmark).
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { resolveCommand } from './resolveCommand';

export class AgentLocator {
  private readonly paths = new Map<string, string>();

  /** The program's path; throws the typed agent-missing error. */
  async locate(command: string): Promise<string> {
    const cached = this.paths.get(command);
    if (cached) {
      try {
        await fs.access(cached, fsConstants.X_OK);
        return cached;
      } catch {
        this.paths.delete(command);
      }
    }
    const found = await resolveCommand(command);
    this.paths.set(command, found);
    return found;
  }

  /** Searches again, whatever was found before (after the user installed or moved it). */
  check(command: string): Promise<string> {
    this.paths.delete(command);
    return this.locate(command);
  }
}
