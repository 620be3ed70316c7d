/**
 * Checks that tmux and the agent program can be found, and tells the view through the context
 * keys `instar.tmuxMissing` and `instar.agentMissing` (its welcome content explains what to do).
 */
import * as vscode from 'vscode';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { isInstarError } from '../core/util/errors';
import type { Logger } from '../core/util/host';

export class EnvironmentCheck {
  constructor(
    private readonly engine: SessionEngine,
    private readonly logger: Logger,
  ) {}

  async check(): Promise<void> {
    let tmuxMissing = false;
    let agentMissing = false;
    try {
      await this.engine.checkTmux();
    } catch (error) {
      tmuxMissing = isInstarError(error, 'tmux-missing') || isInstarError(error, 'tmux-too-old');
      this.logger.warn((error as Error).message);
    }
    try {
      await this.engine.checkAgent();
    } catch (error) {
      agentMissing = true;
      this.logger.warn((error as Error).message);
    }
    await vscode.commands.executeCommand('setContext', 'instar.tmuxMissing', tmuxMissing);
    await vscode.commands.executeCommand('setContext', 'instar.agentMissing', agentMissing);
  }
}
