/**
 * Checks that tmux and the agent program can be found, and tells the view through the context
 * keys `instar.tmuxMissing` and `instar.agentMissing` (its welcome content explains what to do,
 * with `instar.remoteWindow` for the words of a remote window), `instar.claudeSignedOut` when
 * Claude Code has no login nor key, and `instar.environmentReady` (a walkthrough step) when all
 * is there. The log says which value of each setting is in force and which settings file it came
 * from, what was searched, and when a program missing before is found.
 */
import * as vscode from 'vscode';
import type { ClaudeSignIn } from '../core/agent/claudeSignIn';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { isInstarError } from '../core/util/errors';
import type { Logger } from '../core/util/host';
import { settingSource } from './settingsTarget';
import { markStepDone } from './walkthrough';

export class EnvironmentCheck {
  private tmuxMissing: boolean | undefined;
  private agentMissing: boolean | undefined;
  private signedOut: boolean | undefined;

  constructor(
    private readonly engine: SessionEngine,
    private readonly logger: Logger,
  ) {
    void vscode.commands.executeCommand('setContext', 'instar.remoteWindow', vscode.env.remoteName !== undefined);
  }

  /** Checks again and sets the context keys; returns how Claude Code signs in (read once, for the caller too). */
  async check(): Promise<ClaudeSignIn> {
    let tmuxMissing = false;
    let agentMissing = false;
    try {
      const version = await this.engine.checkTmux();
      if (this.tmuxMissing !== false) this.logger.info(`tmux ${this.tmuxMissing ? 'found now' : 'found'}: ${version} (instar.tmux.path ${settingSource('tmux.path')}; instar.tmux.socket ${settingSource('tmux.socket')})`);
    } catch (error) {
      tmuxMissing = isInstarError(error, 'tmux-missing') || isInstarError(error, 'tmux-too-old');
      this.logger.warn(`${(error as Error).message} (instar.tmux.path ${settingSource('tmux.path')})`);
    }
    try {
      const path = await this.engine.checkAgent();
      if (this.agentMissing !== false) this.logger.info(`Claude Code ${this.agentMissing ? 'found now' : 'found'}: ${path} (instar.agent.command ${settingSource('agent.command')})`);
    } catch (error) {
      agentMissing = true;
      this.logger.warn(`${(error as Error).message} instar.agent.command ${settingSource('agent.command')}. PATH of this extension host: ${process.env.PATH ?? '(none)'}`);
      if (vscode.env.remoteName !== undefined) {
        this.logger.warn(
          `This is a remote window (${vscode.env.remoteName}): instar.agent.command, instar.agent.environment and instar.tmux.socket are machine settings, which belong in its Remote settings (or the workspace's): the Settings editor shows them only in its Remote tab, and a value in your local User settings does not reach the remote. PATH is the remote login shell's.`,
        );
      }
    }
    const signIn = await this.engine.claudeSignIn();
    let signedOut = false;
    if (!agentMissing && this.engine.defaultAgent === 'claude') {
      signedOut = signIn.how === undefined;
      if (signedOut && this.signedOut !== true) this.logger.warn(signIn.advice ?? '');
      if (signIn.how && this.signedOut !== false) this.logger.info(`Claude Code signs in with ${signIn.how}`);
    }
    this.tmuxMissing = tmuxMissing;
    this.agentMissing = agentMissing;
    this.signedOut = signedOut;
    await vscode.commands.executeCommand('setContext', 'instar.tmuxMissing', tmuxMissing);
    await vscode.commands.executeCommand('setContext', 'instar.agentMissing', agentMissing);
    await vscode.commands.executeCommand('setContext', 'instar.claudeSignedOut', signedOut);
    await vscode.commands.executeCommand('setContext', 'instar.environmentReady', !tmuxMissing && !agentMissing && !signedOut);
    if (!tmuxMissing && !agentMissing && !signedOut) markStepDone('environment');
    return signIn;
  }
}
