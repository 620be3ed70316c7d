/**
 * What the engine knows of each kind of agent CLI, in one place: its program, how its state is
 * told (its own hooks, or the screen only), what its screen is read for, its models, how a
 * person ends it and how its conversation is resumed. The engine, the tree and the API ask here
 * instead of testing a kind by name; launching (launchSpec.ts) and each CLI's own configuration
 * (claude: hookSettings.ts, codex/, gemini/) say the rest.
 */
import * as path from 'node:path';
import type { AgentKind } from '../model/sessionRecord';

export interface AgentKindFacts {
  readonly kind: AgentKind;
  /** As a person names it. */
  readonly title: string;
  /** The program looked for on PATH when no setting names one ('' for "other": a setting must). */
  readonly program: string;
  /** The npm package it comes from. */
  readonly npmPackage?: string;
  /** Its hooks tell its turns (starting, running, waiting, idle, ended): its state is true. */
  readonly hooked: boolean;
  /**
   * What its screen is read for while its hooks are there: "turns" (Claude Code: an Escape ends
   * a turn with no Stop, a first-run dialog comes before any hook), "dialogs" (a waiting dialog
   * only), or "everything" (no hooks: the screen and the exit decide).
   */
  readonly screenFor: 'turns' | 'dialogs' | 'everything';
  /** The model a spawn that names none of this kind's gets ('default': the CLI's own, no flag). */
  readonly defaultModel: string;
  /** Model names it takes, for the error that lists what is allowed. */
  readonly modelsHelp: string;
  /** What typed into its input box ends it as a person would. */
  readonly exitCommand: string | undefined;
  /** Its input box takes a bracketed paste as one message. */
  readonly bracketedPaste: boolean;
  /** The shell command that resumes one of its conversations with `program` (quoted as a shell needs). */
  readonly resumeCommand: (program: string, conversationId: string) => string;
}

/** A model of a kind that has its own default: no model flag is given. */
export const CLI_DEFAULT_MODEL = 'default';

const KINDS: Record<AgentKind, AgentKindFacts> = {
  claude: {
    kind: 'claude',
    title: 'Claude Code',
    program: 'claude',
    npmPackage: '@anthropic-ai/claude-code',
    hooked: true,
    screenFor: 'turns',
    defaultModel: 'sonnet',
    modelsHelp: 'opus, sonnet, haiku or a full model id such as claude-sonnet-4-5',
    exitCommand: '/exit',
    bracketedPaste: true,
    resumeCommand: (program, id) => `${program} --resume ${id}`,
  },
  codex: {
    kind: 'codex',
    title: 'Codex',
    program: 'codex',
    npmPackage: '@openai/codex',
    hooked: true,
    screenFor: 'dialogs',
    defaultModel: CLI_DEFAULT_MODEL,
    modelsHelp: '"default" (Codex\'s own) or a model id such as gpt-5.5',
    exitCommand: '/quit',
    bracketedPaste: false,
    resumeCommand: (program, id) => `${program} resume ${id}`,
  },
  gemini: {
    kind: 'gemini',
    title: 'Gemini CLI',
    program: 'gemini',
    npmPackage: '@google/gemini-cli',
    hooked: true,
    screenFor: 'dialogs',
    defaultModel: CLI_DEFAULT_MODEL,
    modelsHelp: '"default" (Gemini CLI\'s own), an alias (auto, pro, flash, flash-lite) or a model id such as gemini-2.5-pro',
    exitCommand: '/quit',
    bracketedPaste: false,
    resumeCommand: (program, id) => `${program} --resume ${id}`,
  },
  other: {
    kind: 'other',
    title: 'another program',
    program: '',
    hooked: false,
    screenFor: 'everything',
    defaultModel: '',
    modelsHelp: 'opus, sonnet, haiku or a model id (kept in the record; the program is given none)',
    exitCommand: undefined,
    bracketedPaste: false,
    resumeCommand: () => '',
  },
};

export function kindFacts(kind: AgentKind): AgentKindFacts {
  return KINDS[kind] ?? KINDS.other;
}

/** The npm packages of the agent CLIs. */
export const AGENT_PACKAGES: ReadonlySet<string> = new Set(Object.values(KINDS).flatMap((facts) => (facts.npmPackage ? [facts.npmPackage] : [])));

/** The kind of a program, by its file's name: claude, codex, gemini, else other. */
export function agentKindOf(agentCommand: string): AgentKind {
  const program = path.basename(agentCommand).replace(/\.(exe|cmd|js)$/i, '').toLowerCase();
  return program === 'claude' || program === 'codex' || program === 'gemini' ? program : 'other';
}

/** A session of this kind, not adopted, has hooks that tell its state. */
export const isHooked = (record: { agentKind: AgentKind; adopted?: boolean }): boolean => kindFacts(record.agentKind).hooked && !record.adopted;
