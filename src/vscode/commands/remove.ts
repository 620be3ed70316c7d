/**
 * instar.remove: forgets an ended session (its record and files). A session with a worktree asks
 * what becomes of it, naming what discarding would lose; with a name argument (scripts, tests)
 * nothing is asked and the worktree is kept unless `worktree` says "discard".
 */
import * as vscode from 'vscode';
import { isEnded } from '../../core/model/sessionRecord';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';
import { lossText } from './worktree';

export async function remove(ctx: CommandContext, arg: unknown, worktree?: unknown): Promise<void> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Remove which ended session?'), filter: (r) => isEnded(r), none: vscode.l10n.t('No session has ended.'), alwaysAsk: true, selected: ctx.selected });
  if (!record) return;
  if (!record.worktree || record.worktreeDiscarded) return ctx.engine.remove(record.name);
  let discard = worktree === 'discard';
  if (typeof arg !== 'string' && worktree === undefined) {
    const keep = 'Remove, Keep Worktree';
    const drop = 'Remove and Discard Worktree';
    const loss = await ctx.engine.worktrees.loss(record.name);
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Remove {0}? Its worktree on {1} stays unless you discard it.', record.name, record.worktree.branch),
      { modal: true, detail: `Worktree: ${record.worktree.path}\nIf discarded: ${lossText(loss, record)}` },
      keep,
      drop,
    );
    if (choice === undefined) return;
    discard = choice === drop;
  }
  await ctx.engine.remove(record.name, { discardWorktree: discard, force: discard });
}
