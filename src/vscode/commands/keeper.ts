/** instar.keeper.stop, .start, .showLog and .show: the background keeper. */
import * as vscode from 'vscode';
import type { CommandContext } from './commandContext';

export async function stopKeeper(ctx: CommandContext): Promise<boolean> {
  const stopped = await ctx.keeper.stop();
  void vscode.window.showInformationMessage(
    stopped
      ? 'The background keeper stopped. The sessions go on in tmux; jobs and the API run in a window while one is open. Start Background Keeper starts it again.'
      : 'No background keeper runs for this workspace; none starts until Start Background Keeper.',
  );
  return stopped;
}

export async function startKeeper(ctx: CommandContext): Promise<number | undefined> {
  await ctx.ready;
  const pid = await ctx.keeper.startIfNeeded(true);
  void vscode.window.showInformationMessage(vscode.l10n.t('The background keeper runs (pid {0}): jobs, the API, endings when idle and budgets go on with every window closed.', String(pid)));
  return pid;
}

export async function showKeeperLog(ctx: CommandContext): Promise<void> {
  try {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(ctx.keeper.logFile));
    await vscode.window.showTextDocument(document, { preview: true });
  } catch {
    throw new Error(`The background keeper has no log yet (${ctx.keeper.logFile}): it has not run for this workspace.`);
  }
}

/** What the keeper keeps, since when, with its log and a stop a click away. */
export async function showKeeper(ctx: CommandContext): Promise<void> {
  const keeper = await ctx.keeper.running();
  const summary = ctx.keeper.summary();
  if (!summary) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No background keeper leads this workspace: jobs and the API run in a window.'));
    return;
  }
  const since = keeper ? ` It runs since ${new Date(keeper.startedAt).toLocaleString()}.` : '';
  const [log, stop] = [vscode.l10n.t('Show Keeper Log'), vscode.l10n.t('Stop Background Keeper')];
  const choice = await vscode.window.showInformationMessage(`${summary}.${since}`, log, stop);
  if (choice === log) await showKeeperLog(ctx);
  if (choice === stop) await stopKeeper(ctx);
}
