/**
 * Which version of an agent CLI a program is, once per binary and again only when the file
 * changes (an update in place): read from the npm package the program's file lies in, else
 * asked with `--version` ("2.1.332 (Claude Code)", "codex-cli 0.169.0", "0.61.0"). Gemini CLI
 * takes 2.5 s to answer `--version`, and a first spawn waits for it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CommandRunner } from '../util/commandRunner';
import type { Logger } from '../util/host';
import { AGENT_PACKAGES } from './agentKinds';

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

  private async ask(program: string): Promise<AgentVersion | undefined> {
    const installed = await packageVersion(program);
    if (installed) {
      this.logger.info(`${program} is ${installed.name} ${installed.version.text} (its package.json)`);
      return installed.version;
    }
    this.logger.trace(`${program} --version`);
    const result = await this.runner.run(program, ['--version'], { timeoutMs: this.timeoutMs });
    const version = result.exitCode === 0 ? parseAgentVersion(result.stdout) : undefined;
    if (version) this.logger.info(`${program} is version ${version.text} (${result.stdout.trim().slice(0, 80)})`);
    else this.logger.warn(`Could not tell the version of ${program} (${result.spawnError?.message ?? (result.timedOut ? 'no answer' : `exit ${result.exitCode}: ${result.stdout.trim() || result.stderr.trim()}`.slice(0, 200))}); giving it the hooks of the oldest supported version`);
    return version;
  }
}

/**
 * The version of the agent CLI's npm package that holds `program` (after its links: `.bin/gemini`
 * is `@google/gemini-cli/bundle/gemini.js`): the nearest package.json above the file, if it is
 * one of the agent CLIs' packages. Anything else (a native install, a wrapper script) is asked.
 */
export async function packageVersion(program: string): Promise<{ name: string; version: AgentVersion } | undefined> {
  let dir: string;
  try {
    dir = path.dirname(await fs.realpath(program));
  } catch {
    return undefined;
  }
  for (let depth = 0; depth < 4; depth += 1) {
    const text = await fs.readFile(path.join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      try {
        const json = JSON.parse(text) as { name?: unknown; version?: unknown };
        const version = typeof json.version === 'string' ? parseAgentVersion(json.version) : undefined;
        return typeof json.name === 'string' && AGENT_PACKAGES.has(json.name) && version ? { name: json.name, version } : undefined;
      } catch {
        return undefined;
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}
