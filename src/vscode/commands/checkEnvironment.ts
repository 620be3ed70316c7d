/**
 * instar.checkEnvironment: what this machine has for Instar Sessions, in a Markdown document:
 * tmux, each agent CLI (Claude Code, Codex, Gemini CLI) with where it is and its version, and
 * what to install for a missing one; how Claude Code signs in, or how to log it in. The Sessions
 * view's own check runs again with it.
 */
import * as vscode from 'vscode';
import { describeAgentClis, surveyAgentClis } from '../../core/agent/agentClis';
import { ExecaRunner } from '../../core/util/commandRunner';
import type { CommandContext } from './commandContext';

export async function checkEnvironment(ctx: CommandContext): Promise<vscode.TextEditor> {
  const command = ctx.engine.agentCommand;
  const [tmux, agents, signIn] = await Promise.all([
    ctx.engine.checkTmux().then(
      (version) => `✓ tmux ${version}`,
      (error: Error) => `✗ ${error.message}`,
    ),
    surveyAgentClis(new ExecaRunner(), { commands: { claude: ctx.engine.agentProgram('claude'), codex: ctx.engine.agentProgram('codex'), gemini: ctx.engine.agentProgram('gemini') } }),
    // The view's own check, which reads how Claude Code signs in once for both.
    ctx.environment.check(),
  ]);
  const signInLine = signIn.how ? `✓ Claude Code signs in with ${signIn.how}` : `✗ ${signIn.advice ?? ''} Run **Log In to Claude Code** (Instar Sessions) to open a terminal for it.`;
  const lines = [
    '# Instar Sessions: this machine',
    '',
    `- ${tmux}`,
    ...describeAgentClis(agents).map((line) => `- ${line}`),
    `- ${signInLine}`,
    '',
    `Default agent: ${ctx.engine.defaultAgent} (instar.agent.default); agent command (instar.agent.command): \`${command}\`. PATH of this ${vscode.env.remoteName ? `remote (${vscode.env.remoteName}) ` : ''}extension host: \`${process.env.PATH ?? ''}\``,
    '',
  ];
  ctx.channel.info(`Environment: ${[tmux, ...describeAgentClis(agents), signInLine].join('; ')}`);
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: lines.join('\n') });
  return vscode.window.showTextDocument(document, { preview: true });
}
