/**
 * Which agent CLI a spawn starts, with which program and arguments, and its model in that CLI's
 * terms. A spawn may name its kind (`agent`); otherwise the workspace's default kind. Each kind's
 * program is its own name on PATH unless a setting names another; the `agentCommand` setting
 * (Claude Code's program by default) keeps its meaning from before there were kinds: whatever
 * its program is, it is the default kind's, with `agentArgs`.
 */
import { agentKindOf, CLI_DEFAULT_MODEL, kindFacts } from '../agent/agentKinds';
import { AGENT_KINDS, AgentKind } from '../model/sessionRecord';
import { InstarError, invalidInput, isInstarError } from '../util/errors';
import { agentCommandOf, EngineOptions } from './engineOptions';
import { MODEL_ALIASES, validateModel } from './validation';

export interface AgentChoice {
  kind: AgentKind;
  command: string;
  /** Arguments every session of this kind gets before a spawn's own. */
  args: readonly string[];
}

type ChoiceOptions = Pick<EngineOptions, 'agentCommand' | 'agentArgs' | 'defaultAgent' | 'agentPrograms'>;

/** The kind a spawn names, checked; undefined when it names none. */
export function validateAgentKind(agent: unknown): AgentKind | undefined {
  if (agent === undefined || agent === null || agent === '') return undefined;
  if (typeof agent === 'string' && (AGENT_KINDS as readonly string[]).includes(agent)) return agent as AgentKind;
  throw invalidInput(`Unknown agent ${JSON.stringify(agent)}: use one of ${AGENT_KINDS.join(', ')} (Claude Code, Codex, Gemini CLI, or the program set as the agent command).`);
}

/** The workspace's default kind: the setting's, else the kind of the agent command's program. */
export const defaultAgentKind = (options: ChoiceOptions): AgentKind => options.defaultAgent ?? agentKindOf(agentCommandOf(options));

/** The kind, program and arguments of a spawn that asked for `agent` (or none). */
export function chooseAgent(options: ChoiceOptions, agent?: unknown): AgentChoice {
  const kind = validateAgentKind(agent) ?? defaultAgentKind(options);
  return programFor(options, kind);
}

/** The program and arguments of a kind (a resume starts the kind its session ran). */
export function programFor(options: ChoiceOptions, kind: AgentKind): AgentChoice {
  const configured = options.agentPrograms?.[kind];
  const command = agentCommandOf(options);
  const fromCommand = agentKindOf(command) === kind;
  const program = configured?.command || (fromCommand ? command : kindFacts(kind).program);
  if (!program) {
    throw invalidInput('No program is set for agent "other": set instar.agent.command to the program to run (any program: its state is then read from its screen and its exit).');
  }
  return { kind, command: program, args: configured?.args ?? (fromCommand ? (options.agentArgs ?? []) : []) };
}

/**
 * A model in the terms of `kind`. Claude Code's aliases, the default model setting's among them,
 * mean nothing to another CLI: given by the setting they become that CLI's own default, asked
 * for by name they are refused with what it takes.
 */
export function modelFor(kind: AgentKind, requested: unknown, fallback: string | undefined): string {
  // Another program is given no model: the record keeps what was asked, as before there were kinds.
  if (kind === 'claude' || kind === 'other') return validateModel(requested ?? fallback);
  const facts = kindFacts(kind);
  if (requested === undefined || requested === null || requested === '' || requested === CLI_DEFAULT_MODEL) return facts.defaultModel;
  const given = typeof requested === 'string' ? requested : '';
  if ((MODEL_ALIASES as readonly string[]).includes(given) || given.startsWith('claude-') || !/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/.test(given)) {
    throw invalidInput(`Invalid model ${JSON.stringify(requested)} for ${facts.title}: use ${facts.modelsHelp}.`);
  }
  return given;
}

/**
 * The agent-missing error of another CLI than Claude Code's, saying what to install and which
 * setting names its program (the locator's own words are Claude Code's).
 */
export function missingAgent(kind: AgentKind, command: string, error: unknown): unknown {
  const { title, npmPackage } = kindFacts(kind);
  if (!isInstarError(error, 'agent-missing') || kind === 'claude' || kind === 'other') return error;
  return new InstarError('agent-missing', `${title} was not found ("${command}" is not on PATH or not executable). Install it ("npm install -g ${npmPackage}") or set instar.agent.${kind}.command to its path.`);
}
