/**
 * instar.skill.install and instar.skill.remove: the `instar-session` skill that teaches the agents
 * to spawn, wait for and talk to sibling sessions, in the workspace's .claude/skills/ or the user's.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { installSkill, removeSkill, SkillScope, skillDir, skillState } from '../../core/agent/skillFiles';
import type { CommandContext } from './commandContext';

interface ScopeItem extends vscode.QuickPickItem {
  scope: SkillScope;
  /** Where the skill goes in this scope. */
  dir: string;
}

/** The scopes a skill can go to here, with where each one is; `detail` is what the list shows under each. */
function scopeItems(workspace: string | undefined, detail: (scope: SkillScope, dir: string) => string): ScopeItem[] {
  const items: ScopeItem[] = [];
  if (workspace) {
    const dir = skillDir('workspace', { workspace, home: os.homedir() });
    items.push({ scope: 'workspace', dir, label: 'This Workspace', description: '.claude/skills/instar-session', detail: detail('workspace', dir) });
  }
  const dir = skillDir('user', { home: os.homedir() });
  items.push({ scope: 'user', dir, label: 'All My Projects', description: '~/.claude/skills/instar-session', detail: detail('user', dir) });
  return items;
}

export async function installSkillCommand(ctx: CommandContext, scopeArg?: unknown): Promise<string | undefined> {
  const workspace = ctx.gate.trustedFolder() ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let scope: SkillScope | undefined = scopeArg === 'workspace' || scopeArg === 'user' ? scopeArg : undefined;
  if (!scope) {
    const picked = await vscode.window.showQuickPick(
      scopeItems(workspace, (where) => (where === 'workspace' ? 'Sessions started in this workspace load it (Instar\'s and any other claude)' : 'Every Claude Code session of yours loads it')),
      { title: vscode.l10n.t('Install the instar-session Skill'), placeHolder: vscode.l10n.t('Where should Claude Code find it?') },
    );
    if (!picked) return undefined;
    scope = picked.scope;
  }
  const dir = skillDir(scope, { workspace, home: os.homedir() });
  const done = await installSkill(dir, ctx.skillSource);
  ctx.channel.info(`Skill instar-session ${done} in ${dir}`);
  const words = done === 'unchanged' ? 'is already installed and current' : done === 'updated' ? 'was updated' : 'was installed';
  // Not awaited: the command is done; the message stays until the user reads it.
  void vscode.window.showInformationMessage(vscode.l10n.t('The instar-session skill {0} in {1}. Sessions started from now on can spawn and steer sibling sessions.', words, dir), vscode.l10n.t('Open Skill')).then((open) => {
    if (open) void vscode.window.showTextDocument(vscode.Uri.file(`${dir}/SKILL.md`));
  });
  return dir;
}

export async function removeSkillCommand(ctx: CommandContext): Promise<void> {
  const workspace = ctx.gate.trustedFolder() ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const installed: ScopeItem[] = [];
  for (const item of scopeItems(workspace, (_scope, dir) => dir)) {
    if ((await skillState(item.dir, ctx.skillSource)) !== 'absent') installed.push(item);
  }
  if (installed.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('The instar-session skill is not installed in this workspace or in ~/.claude/skills.'));
    return;
  }
  const picked = installed.length === 1 ? installed[0] : await vscode.window.showQuickPick(installed, { title: vscode.l10n.t('Remove the instar-session Skill'), placeHolder: vscode.l10n.t('From where?') });
  if (!picked) return;
  await removeSkill(picked.dir);
  ctx.channel.info(`Skill instar-session removed from ${picked.dir}`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Removed the instar-session skill from {0}.', picked.dir));
}

/**
 * Once per workspace, when its API first runs: offers the skill, unless it is installed already.
 * Returns whether it was offered.
 */
export async function offerSkill(skillSource: string, workspace: string, memento: vscode.Memento): Promise<boolean> {
  const key = 'instar.skillOffered';
  if (memento.get<boolean>(key)) return false;
  for (const scope of ['workspace', 'user'] as const) {
    if ((await skillState(skillDir(scope, { workspace, home: os.homedir() }), skillSource)) !== 'absent') return false;
  }
  await memento.update(key, true);
  const here = vscode.l10n.t('Install for This Workspace');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('The Instar API is on: sessions can spawn, wait for and talk to sibling sessions. Install the instar-session skill so that they know how?'),
    here,
    vscode.l10n.t('Install for All My Projects'),
  );
  if (choice) await vscode.commands.executeCommand('instar.skill.install', choice === here ? 'workspace' : 'user');
  return true;
}
