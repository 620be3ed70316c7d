/**
 * The agent CLIs Instar Sessions knows (Claude Code, Codex, Gemini CLI), and where each is on
 * this machine with its version: for the environment check (`instar doctor`, Check Environment
 * in VS Code) that says what is installed and what to install for a missing one. Looked for as
 * a spawn looks (PATH, then where installers put programs), asked `--version` all at once.
 */
import { kindFacts } from './agentKinds';
import type { CommandRunner } from '../util/commandRunner';
import { parseAgentVersion } from './agentVersion';
import { installDirs, resolveCommand } from './resolveCommand';

export type AgentCliKind = 'claude' | 'codex' | 'gemini';

export interface AgentCli {
  kind: AgentCliKind;
  /** What a person calls it. */
  displayName: string;
  /** The program's name on PATH. */
  program: string;
  /** The npm package it comes from. */
  npmPackage: string;
}

export const AGENT_CLIS: readonly AgentCli[] = (['claude', 'codex', 'gemini'] as const).map((kind) => {
  const { title, program, npmPackage } = kindFacts(kind);
  return { kind, displayName: title, program, npmPackage: npmPackage! };
});

export interface FoundAgentCli extends AgentCli {
  /** The command looked for (the program's name, or the path a setting gives). */
  command: string;
  /** Where it is; undefined when it was not found. */
  path?: string;
  /** Its version ("0.169.0"); undefined when not found or it did not say. */
  version?: string;
  /** Why it cannot be used (not found, no version), with what to do. */
  problem?: string;
}

export interface SurveyOptions {
  /** The command to look for, by kind, where a setting names one (instar.agent.command). */
  commands?: Partial<Record<AgentCliKind, string>>;
  envPath?: string;
  fallbackDirs?: string[];
  /** How long each `--version` may take, in ms (a Node CLI's first start can take seconds). */
  timeoutMs?: number;
}

/** Each known CLI, found or not, in AGENT_CLIS's order. */
export async function surveyAgentClis(runner: CommandRunner, options: SurveyOptions = {}): Promise<FoundAgentCli[]> {
  const fallbackDirs = options.fallbackDirs ?? installDirs();
  return Promise.all(
    AGENT_CLIS.map(async (cli): Promise<FoundAgentCli> => {
      const command = options.commands?.[cli.kind] ?? cli.program;
      let path: string;
      try {
        path = await resolveCommand(command, options.envPath ?? process.env.PATH ?? '', fallbackDirs);
      } catch {
        const where = command.includes('/') ? `${command} is not an executable file` : `"${command}" is not on PATH nor in ${fallbackDirs.join(', ')}`;
        return { ...cli, command, problem: `not found: ${where}. Install it with "npm install -g ${cli.npmPackage}"${command === cli.program ? '' : ', or correct the path in the settings'}.` };
      }
      const result = await runner.run(path, ['--version'], { timeoutMs: options.timeoutMs ?? 20_000 });
      const version = result.exitCode === 0 ? parseAgentVersion(result.stdout)?.text : undefined;
      if (version) return { ...cli, command, path, version };
      const said = result.spawnError?.message ?? (result.timedOut ? 'no answer in time' : `exit status ${result.exitCode ?? '?'}: ${(result.stderr.trim() || result.stdout.trim()).split('\n')[0]?.slice(0, 160) ?? ''}`);
      return { ...cli, command, path, problem: `${path} did not tell its version (${said}): it may not be ${cli.displayName}, or it is broken; reinstall it with "npm install -g ${cli.npmPackage}".` };
    }),
  );
}

/** One line per CLI, as the check prints them. */
export function describeAgentClis(found: readonly FoundAgentCli[]): string[] {
  return found.map((cli) => (cli.problem ? `✗ ${cli.displayName}: ${cli.problem}` : `✓ ${cli.displayName} ${cli.version} (${cli.path})`));
}
