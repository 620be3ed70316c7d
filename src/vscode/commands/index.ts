/**
 * Every command's handler, in one table run through one wrapper that catches, logs and shows
 * errors. The commands themselves are registered at activation (extension.ts, from
 * commandIds.ts) and run here. Tree commands take the clicked node; from the palette they ask
 * with a QuickPick.
 */
import { setNotifySecret, testNotifications } from './notify';
import * as vscode from 'vscode';
import { isInstarError } from '../../core/util/errors';
import { DisposableStore } from '../../core/util/disposables';
import { adopt } from './adopt';
import { checkEnvironment } from './checkEnvironment';
import { copyApiToken, rotateApiToken } from './apiToken';
import type { CommandContext, CommandHandler } from './commandContext';
import type { CommandId } from './commandIds';
import { copyAttachCommand } from './copyAttachCommand';
import { copyLastAnswer } from './copyLastAnswer';
import { copyResumeCommand } from './copyResumeCommand';
import { logIn, openWalkthrough } from './gettingStarted';
import { disableJob, editJobs, enableJob, runJobNow } from './jobs';
import { showKeeper, showKeeperLog, startKeeper, stopKeeper } from './keeper';
import { kill } from './kill';
import { openOtherWorkspace } from './openOtherWorkspace';
import { openSettings } from './openSettings';
import { openTerminal } from './openTerminal';
import { refresh } from './refresh';
import { remove } from './remove';
import { removeEnded } from './removeEnded';
import { resume } from './resume';
import { sendInput } from './sendInput';
import { sendKeys } from './sendKeys';
import { showLog } from './showLog';
import { showOutput } from './showOutput';
import { searchConversations } from './searchConversations';
import { setBudget } from './setBudget';
import { showConversation } from './showConversation';
import { showTmuxSessions } from './showTmuxSessions';
import { installSkillCommand, removeSkillCommand } from './skill';
import { spawn } from './spawn';
import { spawnParallel } from './spawnParallel';
import { switchSession } from './switchSession';
import { clearSessionFilter, filterSessions, groupByState, showFlat, showMoreEnded } from './viewMode';
import { discardWorktree, mergeWorktree, openWorktree, reviewChanges, reviewFile } from './worktree';

export const COMMANDS: Record<CommandId, CommandHandler> = {
  'instar.spawn': spawn,
  'instar.spawnParallel': spawnParallel,
  'instar.openTerminal': openTerminal,
  'instar.switchSession': switchSession,
  'instar.sendInput': sendInput,
  'instar.sendKeys': sendKeys,
  'instar.showOutput': showOutput,
  'instar.kill': kill,
  'instar.remove': remove,
  'instar.removeEnded': removeEnded,
  'instar.resume': resume,
  'instar.adopt': adopt,
  'instar.refresh': refresh,
  'instar.showTmuxSessions': showTmuxSessions,
  'instar.openOtherWorkspace': openOtherWorkspace,
  'instar.copyAttachCommand': copyAttachCommand,
  'instar.copyResumeCommand': copyResumeCommand,
  'instar.copyLastAnswer': copyLastAnswer,
  'instar.showConversation': showConversation,
  'instar.searchConversations': searchConversations,
  'instar.setBudget': setBudget,
  'instar.reviewChanges': reviewChanges,
  'instar.reviewFile': reviewFile,
  'instar.openWorktree': openWorktree,
  'instar.mergeWorktree': mergeWorktree,
  'instar.discardWorktree': discardWorktree,
  'instar.skill.install': installSkillCommand,
  'instar.skill.remove': removeSkillCommand,
  'instar.groupByState': groupByState,
  'instar.showFlat': showFlat,
  'instar.filterSessions': filterSessions,
  'instar.clearSessionFilter': clearSessionFilter,
  'instar.showMoreEnded': showMoreEnded,
  'instar.showLog': showLog,
  'instar.checkEnvironment': checkEnvironment,
  'instar.logIn': logIn,
  'instar.openWalkthrough': openWalkthrough,
  'instar.openSettings': openSettings,
  'instar.job.runNow': runJobNow,
  'instar.job.enable': enableJob,
  'instar.job.disable': disableJob,
  'instar.job.edit': editJobs,
  'instar.api.copyToken': copyApiToken,
  'instar.api.rotateToken': rotateApiToken,
  'instar.keeper.stop': stopKeeper,
  'instar.keeper.start': startKeeper,
  'instar.keeper.showLog': showKeeperLog,
  'instar.keeper.show': showKeeper,
  'instar.notify.test': testNotifications,
  'instar.notify.setSecret': setNotifySecret,
};

export interface CommandFailure {
  command: string;
  error: unknown;
}

/** Runs the commands' handlers. Errors are logged and shown, never thrown at VS Code. */
export class CommandHandlers implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly failures = this.store.add(new vscode.EventEmitter<CommandFailure>());
  /** Fires when a command failed (after it was logged and shown). */
  readonly onDidFail = this.failures.event;

  constructor(private readonly ctx: CommandContext) {}

  async run(id: CommandId, args: unknown[]): Promise<unknown> {
    const { channel, environment } = this.ctx;
    const handler = COMMANDS[id];
    try {
      // A command in the first milliseconds acts on an engine that knows what runs.
      await this.ctx.ready.catch(() => undefined);
      return await handler(this.ctx, ...args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      channel.error(`${id}: ${message}`);
      if (!isInstarError(error)) channel.error(error as Error);
      const showLog = vscode.l10n.t('Show Log');
      void vscode.window.showErrorMessage(message, showLog).then((choice) => {
        if (choice === showLog) channel.show();
      });
      if (isInstarError(error, 'tmux-missing') || isInstarError(error, 'agent-missing')) void environment.check();
      this.failures.fire({ command: id, error });
      return undefined;
    }
  }

  dispose(): void {
    this.store.dispose();
  }
}
