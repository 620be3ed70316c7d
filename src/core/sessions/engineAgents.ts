/**
 * The engine's agent side: the program each kind of session runs (as the settings say now), which
 * of the agent CLIs this machine has, how to run one by hand or how Claude Code signs in, and the
 * kind and permission mode a spawn that names none gets.
 */
import { ClaudeSignIn, claudeSignIn } from '../agent/claudeSignIn';
import type { AgentLocator } from '../agent/agentLocator';
import type { PermissionMode } from '../model/permissionMode';
import type { AgentKind } from '../model/sessionRecord';
import { InstarError } from '../util/errors';
import { defaultAgentKind, programFor } from './agentChoice';
import { agentCommandOf, EngineOptions } from './engineOptions';
import { validatePermissionMode } from './validation';

export class EngineAgents {
  constructor(
    private readonly options: () => EngineOptions,
    private readonly locator: AgentLocator,
  ) {}

  /** The agent command setting's program ("claude" unless set). */
  get command(): string {
    return agentCommandOf(this.options());
  }

  /** The program sessions of `kind` run (its setting, else its name on PATH; none set for "other"). */
  program(kind: AgentKind): string | undefined {
    try {
      return programFor(this.options(), kind).command;
    } catch {
      return undefined;
    }
  }

  /** Where the program of `kind` is (searched again) and the environment its sessions add, to run it by hand (a login). */
  async byHand(kind: AgentKind): Promise<{ path: string; env: Record<string, string> }> {
    const program = this.program(kind);
    if (!program) throw new InstarError('invalid-input', `Sessions of kind ${kind} have no program of their own.`);
    return { path: await this.locator.check(program), env: { ...this.options().agentEnv } };
  }

  /** How Claude Code signs in with the environment an agent gets, or what to do when it cannot. */
  claudeSignIn(): Promise<ClaudeSignIn> {
    return claudeSignIn({ ...process.env, ...this.options().agentEnv });
  }

  /** The agent CLIs this machine has (their programs found), the default kind's first. */
  async installed(): Promise<AgentKind[]> {
    const first = this.defaultKind;
    const kinds = [first, ...(['claude', 'codex', 'gemini'] as const).filter((kind) => kind !== first)];
    const found = await Promise.all(kinds.map((kind) => this.locator.locate(this.program(kind) ?? '').then(() => true, () => false)));
    return kinds.filter((_, index) => found[index]);
  }

  /** The kind a spawn that names none starts. */
  get defaultKind(): AgentKind {
    return defaultAgentKind(this.options());
  }

  /** The permission mode a spawn that names none runs in (instar.permissionMode), as the spawner decides it. */
  get defaultPermissionMode(): PermissionMode {
    return validatePermissionMode(this.options().defaultPermissionMode);
  }

  /** Checks that the agent command's program can be found (searching again); returns its path. */
  check(): Promise<string> {
    return this.locator.check(this.command);
  }
}
