/**
 * Which settings file a setting comes from, and where to set it. The agent and tmux settings are
 * machine-overridable: in a remote window (code-server, Remote-SSH, WSL, a container) they belong
 * in the Remote settings (or the workspace's); the Settings editor shows them only in its Remote
 * tab, and a local User value does not reach the remote. So "Set the Agent Command" opens the
 * Remote tab there.
 */
import * as vscode from 'vscode';

/** The settings VS Code takes per machine (scope machine-overridable in package.json). */
const MACHINE_SETTINGS = new Set(['agent.command', 'agent.extraArgs', 'agent.codex.command', 'agent.codex.extraArgs', 'agent.gemini.command', 'agent.gemini.extraArgs', 'agent.environment', 'tmux.socket', 'tmux.path']);

/** Where the user-level value of a setting lives in this window. */
export function userSettingsName(key: string): string {
  return vscode.env.remoteName !== undefined && MACHINE_SETTINGS.has(key) ? `Remote settings (${vscode.env.remoteName})` : 'User settings';
}

/** `= "value", from the … settings` for the log. */
export function settingSource(key: string): string {
  const inspected = vscode.workspace.getConfiguration('instar').inspect(key);
  const value = (shown: unknown) => `= ${JSON.stringify(shown)}`;
  if (!inspected) return '(unknown setting)';
  if (inspected.workspaceFolderValue !== undefined) return `${value(inspected.workspaceFolderValue)}, from the folder settings`;
  if (inspected.workspaceValue !== undefined) return `${value(inspected.workspaceValue)}, from the workspace settings`;
  if (inspected.globalValue !== undefined) return `${value(inspected.globalValue)}, from the ${userSettingsName(key)}${userSettingsName(key) === 'User settings' ? '' : ' or the User settings'}`;
  return `${value(inspected.defaultValue)}, the default (set in no settings file${vscode.env.remoteName !== undefined && MACHINE_SETTINGS.has(key) ? `; in this remote window only the ${userSettingsName(key)} or workspace settings count` : ''})`;
}

/** Opens the Settings editor on one setting, in the tab where it takes effect. */
export async function openSetting(id: string): Promise<void> {
  const key = id.replace(/^instar\./, '');
  if (vscode.env.remoteName !== undefined && MACHINE_SETTINGS.has(key)) {
    await vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query: `instar.${key}` });
  } else {
    await vscode.commands.executeCommand('workbench.action.openSettings', `instar.${key}`);
  }
}
