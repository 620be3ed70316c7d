/**
 * Which Claude Code a binary is: `claude --version` ("2.1.332 (Claude Code)"), asked once per
 * binary and asked again only when the file changes (an update in place).
 */
import { promises as fs } from 'node:fs';
import type { CommandRunner } from '../util/commandRunner';
import type { Logger } from '../util/host';

export interface AgentVersion {
  /** As printed: "2.1.332". */
  text: string;
  parts: readonly [number, number, number];
}

export function parseAgentVersion(text: string): AgentVersion | undefined {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!match) return undefined;
  return { text: `${match[1]}.${match[2]}.${match[3]}`, parts: [Number(match[1]), Number(match[2]), Number(match[3])] };
}

/** Whether `version` is `minimum` ("2.1.78") or newer. */
export function isAtLeast(version: AgentVersion, minimum: string): boolean {
  const wanted = parseAgentVersion(minimum)!.parts;
  for (let i = 0; i < 3; i += 1) if (version.parts[i] !== wanted[i]) return version.parts[i] > wanted[i];
  return true;
}

export class AgentVersions {
  private readonly known = new Map<string, { stamp: string; version: Promise<AgentVersion | undefined> }>();

  constructor(
    private readonly runner: CommandRunner,
    private readonly logger: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The version of the program at `path`; undefined when it cannot tell (it is then logged once). */
  async of(path: string): Promise<AgentVersion | undefined> {
    const stat = await fs.stat(path).catch(() => undefined);
    const stamp = stat ? `${stat.mtimeMs}:${stat.size}` : '';
    const cached = this.known.get(path);
    if (cached && cached.stamp === stamp) return cached.version;
    const version = this.ask(path);
    this.known.set(path, { stamp, version });
    return version;
  }

  private async ask(path: string): Promise<AgentVersion | undefined> {
    this.logger.trace(`${path} --version`);
    const result = await this.runner.run(path, ['--version'], { timeoutMs: this.timeoutMs });
    const version = result.exitCode === 0 ? parseAgentVersion(result.stdout) : undefined;
    if (version) this.logger.info(`${path} is Claude Code ${version.text}`);
    else this.logger.warn(`Could not tell the version of ${path} (${result.spawnError?.message ?? (result.timedOut ? 'no answer' : `exit ${result.exitCode}: ${result.stdout.trim() || result.stderr.trim()}`.slice(0, 200))}); giving it the hooks of the oldest supported version`);
    return version;
  }
}
