/**
 * Spawning from the command palette: a multi-step input (name with live validation and a
 * suggested free name, prompt prefilled from the editor selection, model with the default
 * first and how the agent asks before it runs tools, which can be changed for this spawn, and
 * in a git repository where it runs: a worktree of its own or the folder), and several prompts
 * in one go with derived names.
 */
import * as vscode from 'vscode';
import { nameFromPrompt, suggestName } from '../../core/model/sessionName';
import { PERMISSION_MODES, PermissionMode } from '../../core/model/permissionMode';
import { CLI_DEFAULT_MODEL, kindFacts } from '../../core/agent/agentKinds';
import type { AgentKind, SessionRecord } from '../../core/model/sessionRecord';
import { modelFor } from '../../core/sessions/agentChoice';
import type { RepositoryInfo, SessionEngine, SpawnRequest } from '../../core/sessions/sessionEngine';
import { describeNameProblem, MODEL_ALIASES } from '../../core/sessions/validation';
import type { Settings, WorktreeDefault } from '../settings';
import type { QuickPicker } from './quickPicker';

const TITLE = 'Spawn Session';

function takenNames(engine: SessionEngine): Set<string> {
  return new Set(engine.list().map((record) => record.name));
}

function nameProblem(engine: SessionEngine, name: string): string | undefined {
  const problem = describeNameProblem(name);
  if (problem) return problem;
  const holder = engine.get(name);
  return holder ? `"${name}" is taken by a session that is ${holder.status}. Choose another name.` : undefined;
}

/** What each permission mode means for the person, first the one that asks nothing. */
export const PERMISSION_WORDS: Record<PermissionMode, { label: string; detail: string }> = {
  bypassPermissions: { label: 'Skips every permission prompt', detail: 'bypassPermissions: runs commands and edits files without asking' },
  default: { label: 'Asks before each tool', detail: 'default: a command or an edit waits for your answer (Answer Prompt, the badge)' },
  acceptEdits: { label: 'Edits files, asks before commands', detail: 'acceptEdits: file edits go ahead, other tools wait for your answer' },
  plan: { label: 'Plans first, changes nothing', detail: 'plan: it reads and proposes a plan; it asks before acting on it' },
};

type ModelItem = vscode.QuickPickItem & { model?: string; other?: true; mode?: true; agent?: true };

interface Chosen {
  agent: AgentKind;
  model: string;
  mode: PermissionMode;
}

/** The models the step offers for a kind, its default first. */
function modelsOf(agent: AgentKind, defaultModel: string): string[] {
  // Another program keeps what it was offered before there were kinds.
  if (agent === 'codex' || agent === 'gemini') return [CLI_DEFAULT_MODEL];
  return [defaultModel, ...MODEL_ALIASES.filter((model) => model !== defaultModel)];
}

/**
 * The model step, which also says which agent CLI starts (where this machine has more than one)
 * and how it will ask before it runs tools, and lets either be changed for this spawn; `title`
 * is the flow's, as "Spawn Session (3/4)". Undefined when dismissed.
 */
async function pickModel(engine: SessionEngine, picker: QuickPicker, defaultModel: string, title: string, mode: PermissionMode, defaultMode: PermissionMode): Promise<Chosen | undefined> {
  const installed = await engine.installedAgents();
  let agent = engine.defaultAgent;
  for (;;) {
    const { title: agentTitle } = kindFacts(agent);
    const order = modelsOf(agent, defaultModel);
    const items: ModelItem[] = order.map((model) => ({ label: model, description: model === order[0] ? (model === CLI_DEFAULT_MODEL ? `${agentTitle}'s own` : 'default') : undefined, model }));
    items.push({ label: 'Other model id…', description: agent === 'codex' || agent === 'gemini' ? kindFacts(agent).modelsHelp : 'for example claude-sonnet-4-5', other: true });
    if (installed.length > 1) {
      items.push({ label: 'agent', kind: vscode.QuickPickItemKind.Separator });
      items.push({ label: `$(hubot) ${agentTitle}`, description: `${agent === engine.defaultAgent ? 'the default (instar.agent.default)' : 'for this spawn'} · change…`, detail: `Installed here: ${installed.map((kind) => kindFacts(kind).title).join(', ')}`, agent: true });
    }
    items.push({ label: 'permissions', kind: vscode.QuickPickItemKind.Separator });
    items.push({
      label: `$(shield) ${PERMISSION_WORDS[mode].label}`,
      description: `${mode}${mode === defaultMode ? ' (instar.permissionMode)' : ' for this spawn'} · change…`,
      detail: PERMISSION_WORDS[mode].detail,
      mode: true,
    });
    // The agent is named only where there is a choice of one.
    const step = installed.length > 1 ? `${agentTitle} model` : 'model';
    const picked = await picker.pick(items, { title: `${title}: ${step} · ${PERMISSION_WORDS[mode].label.toLowerCase()}`, placeHolder: installed.length > 1 ? 'Model (the items below change the agent and how it asks before it runs tools)' : 'Model (the last item changes how it asks before it runs tools)', ignoreFocusOut: true });
    if (!picked) return undefined;
    if (picked.mode) {
      mode = (await pickPermissionMode(picker, title, mode, defaultMode)) ?? mode;
      continue;
    }
    if (picked.agent) {
      agent = (await pickAgent(picker, title, installed, agent)) ?? agent;
      continue;
    }
    if (picked.model) return { agent, model: picked.model, mode };
    const id = await vscode.window.showInputBox({
      title: vscode.l10n.t('{0}: model id', title),
      prompt: vscode.l10n.t('A full model id'),
      ignoreFocusOut: true,
      validateInput: (value) => {
        try {
          modelFor(agent, value.trim(), undefined);
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
    return id === undefined ? undefined : { agent, model: id.trim(), mode };
  }
}

async function pickAgent(picker: QuickPicker, title: string, installed: readonly AgentKind[], current: AgentKind): Promise<AgentKind | undefined> {
  const items = installed.map((agent) => ({ label: kindFacts(agent).title, description: `${agent}${agent === current ? ' · chosen' : ''}`, agent }));
  const picked = await picker.pick(items, { title: vscode.l10n.t('{0}: agent for this spawn', title), placeHolder: vscode.l10n.t('Which agent CLI should it run?'), ignoreFocusOut: true });
  return picked?.agent;
}

async function pickPermissionMode(picker: QuickPicker, title: string, current: PermissionMode, defaultMode: PermissionMode): Promise<PermissionMode | undefined> {
  const items = PERMISSION_MODES.map((mode) => ({
    label: PERMISSION_WORDS[mode].label,
    description: `${mode}${mode === defaultMode ? ' (the setting)' : ''}${mode === current ? ' · chosen' : ''}`,
    detail: PERMISSION_WORDS[mode].detail,
    mode,
  }));
  const picked = await picker.pick(items, { title: vscode.l10n.t('{0}: permissions for this spawn', title), placeHolder: vscode.l10n.t('How should it ask before it runs tools?'), ignoreFocusOut: true });
  return picked?.mode;
}

/**
 * Where the sessions run, in a git repository: a worktree each (a new branch from HEAD, apart
 * until reviewed and merged) or the workspace folder; the setting's choice first. Undefined when
 * dismissed.
 */
async function pickWorktree(picker: QuickPicker, repo: RepositoryInfo, preferWorktree: boolean, title: string, several: boolean): Promise<boolean | undefined> {
  const from = repo.branch ?? repo.head?.slice(0, 8) ?? 'HEAD';
  const tree = {
    label: several ? 'A worktree each' : 'In a worktree of its own',
    description: several ? `new branches instar/<name> from ${from}` : `a new branch instar/<name> from ${from}`,
    detail: `Its changes stay apart from yours and other sessions' until you review and merge them.${repo.dirty ? ' Your uncommitted changes are not in it (it starts from HEAD).' : ''}`,
    worktree: true,
  };
  const folder = { label: 'In the workspace folder', description: repo.root, detail: several ? 'They share the working tree with you and each other.' : 'It shares the working tree with you and other sessions.', worktree: false };
  const picked = await picker.pick(preferWorktree ? [tree, folder] : [folder, tree], { title: vscode.l10n.t('{0}: where', title), placeHolder: vscode.l10n.t('Where should it work?'), ignoreFocusOut: true });
  return picked?.worktree;
}

function selectedText(): string {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return '';
  return editor.selections.map((selection) => editor.document.getText(selection)).filter(Boolean).join('\n');
}

/** The settings the flows start from. */
export interface SpawnDefaults {
  model: string;
  permissionMode: PermissionMode;
  worktrees: WorktreeDefault;
}

export const spawnDefaults = (settings: Settings): SpawnDefaults => ({ model: settings.defaultModel, permissionMode: settings.permissionMode, worktrees: settings.worktreeDefault });

export async function spawnFlow(engine: SessionEngine, picker: QuickPicker, cwd: string, defaults: SpawnDefaults): Promise<SessionRecord | undefined> {
  const selection = selectedText();
  // In a git repository, one more step: where it runs.
  const repo = await engine.worktrees.repository(cwd).catch(() => undefined);
  const steps = repo?.head ? 4 : 3;
  const name = await vscode.window.showInputBox({
    title: vscode.l10n.t('{0} (1/{1}): name', TITLE, steps),
    prompt: vscode.l10n.t('Lower-case letters, digits and "-"; 1 to 64 characters'),
    value: suggestName(selection ? nameFromPrompt(selection) : 'session', takenNames(engine)),
    ignoreFocusOut: true,
    validateInput: (value) => nameProblem(engine, value),
  });
  if (name === undefined) return undefined;
  const prompt = await vscode.window.showInputBox({
    title: vscode.l10n.t('{0} (2/{1}): prompt', TITLE, steps),
    prompt: selection ? 'Prefilled from the editor selection' : 'What should the agent do? Leave empty to start it at its prompt.',
    value: selection,
    ignoreFocusOut: true,
  });
  if (prompt === undefined) return undefined;
  const chosen = await pickModel(engine, picker, defaults.model, `${TITLE} (3/${steps})`, defaults.permissionMode, defaults.permissionMode);
  if (chosen === undefined) return undefined;
  const worktree = repo?.head ? await pickWorktree(picker, repo, defaults.worktrees === 'always', `${TITLE} (4/4)`, false) : false;
  if (worktree === undefined) return undefined;
  return engine.spawn({ name, prompt, agent: chosen.agent, model: chosen.model, permissionMode: chosen.mode, cwd, worktree });
}

export interface ParallelResult {
  spawned: SessionRecord[];
  failed: { name: string; error: Error }[];
}

export async function spawnParallelFlow(engine: SessionEngine, picker: QuickPicker, cwd: string, defaults: SpawnDefaults): Promise<ParallelResult | undefined> {
  const title = 'Spawn Sessions in Parallel';
  const base = await vscode.window.showInputBox({
    title: vscode.l10n.t('{0}: base name', title),
    prompt: vscode.l10n.t('Sessions are named BASE-1, BASE-2, …'),
    value: 'task',
    ignoreFocusOut: true,
    validateInput: (value) => describeNameProblem(`${value}-1`),
  });
  if (base === undefined) return undefined;
  const prompts: string[] = [];
  for (;;) {
    const prompt = await vscode.window.showInputBox({
      title: vscode.l10n.t('{0}: prompt {1}', title, prompts.length + 1),
      prompt: prompts.length === 0 ? 'The first prompt' : `${prompts.length} so far; leave empty to start them`,
      ignoreFocusOut: true,
    });
    if (prompt === undefined) return undefined;
    if (prompt.trim() === '') break;
    prompts.push(prompt);
  }
  if (prompts.length === 0) return undefined;
  const chosen = await pickModel(engine, picker, defaults.model, title, defaults.permissionMode, defaults.permissionMode);
  if (chosen === undefined) return undefined;
  const repo = await engine.worktrees.repository(cwd).catch(() => undefined);
  const worktree = repo?.head ? await pickWorktree(picker, repo, defaults.worktrees !== 'never', title, true) : false;
  if (worktree === undefined) return undefined;
  return spawnMany(engine, base, prompts, { agent: chosen.agent, model: chosen.model, permissionMode: chosen.mode, cwd, worktree });
}

/** Spawns one session per prompt, named base-N with free numbers, all at once, as one batch. */
export async function spawnMany(engine: SessionEngine, base: string, prompts: string[], request: Omit<SpawnRequest, 'name' | 'prompt' | 'batch'>): Promise<ParallelResult> {
  const taken = takenNames(engine);
  const batch = `${base.slice(0, 50)}-${Date.now().toString(36)}`;
  const names = prompts.map(() => {
    const name = suggestName(base, taken);
    taken.add(name);
    return name;
  });
  const results = await Promise.allSettled(names.map((name, index) => engine.spawn({ ...request, name, prompt: prompts[index], batch })));
  const spawned: SessionRecord[] = [];
  const failed: { name: string; error: Error }[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') spawned.push(result.value);
    else failed.push({ name: names[index], error: result.reason as Error });
  });
  return { spawned, failed };
}
