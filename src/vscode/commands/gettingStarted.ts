/**
 * instar.openWalkthrough: the Get Started walkthrough. instar.logIn: a terminal running Claude
 * Code with the environment sessions get, to log in (/login) where a session waits for that.
 */
import * as vscode from 'vscode';
import { walkthroughRef } from '../walkthrough';
import type { CommandContext } from './commandContext';

export async function openWalkthrough(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughRef(), false);
}

export async function logIn(ctx: CommandContext): Promise<vscode.Terminal> {
  const { path, env } = await ctx.engine.agentByHand('claude');
  const terminal = vscode.window.createTerminal({ name: 'Log In to Claude Code', shellPath: path, env, cwd: ctx.gate.trustedFolder() });
  terminal.show();
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Claude Code runs in the terminal: type /login and follow its steps, then close it. A session that waited for the login takes its prompt again from Send Input.'),
  );
  ctx.channel.info(`Opened a terminal to log in to Claude Code (${path})`);
  return terminal;
}
