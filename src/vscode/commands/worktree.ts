/**
 * A worktree session's work, reviewed and merged in VS Code: every change against its base in
 * VS Code's multi-file diff (or one file in the normal diff editor), the worktree in a window of
 * its own, a merge into its base (conflicts left in the merge editor), and a discard that names
 * what it would lose and asks first; the same for a worktree kept when its session was removed.
 * Nothing is deleted without the user's word.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isEnded, isWorking, SessionRecord } from '../../core/model/sessionRecord';
import type { ChangedFile, DiscardLoss, KeptWorktree } from '../../core/sessions/sessionEngine';
import { formatAge } from '../../core/presentation/sessionPresentation';
import { formatUsd } from '../../core/model/usage';
import { gitFileUri } from '../gitDocuments';
import { resolveSession, sessionPickItem } from '../pickers/sessionPicker';
import { markStepDone } from '../walkthrough';
import type { CommandContext } from './commandContext';

/** Options a script or test passes instead of answering the dialogs: commit what is uncommitted; the loss was confirmed. */
interface WorktreeCommandOptions {
  commit?: boolean;
  confirmed?: boolean;
}

const optionsOf = (value: unknown): WorktreeCommandOptions => (value && typeof value === 'object' ? (value as WorktreeCommandOptions) : {});

/** Whose worktree a command acts on: a session's, or one kept from a removed session (no longer running: ended). */
type WorktreeOwner = Pick<SessionRecord, 'name' | 'worktree' | 'status' | 'endedAt' | 'usage'>;

const keptOwner = (kept: KeptWorktree): WorktreeOwner => ({ name: kept.name, worktree: kept.worktree, status: 'completed', endedAt: kept.keptAt, usage: undefined });

/** The worktree of the clicked row (a session's or a kept one), a name, or one picked among the sessions in worktrees and the kept ones. */
async function worktreeSession(ctx: CommandContext, arg: unknown, placeHolder: string): Promise<WorktreeOwner | undefined> {
  const keptName = arg && typeof arg === 'object' && (arg as { kind?: unknown }).kind === 'keptWorktree' ? (arg as { name: string }).name : undefined;
  const sessionHasOne = typeof arg === 'string' && ctx.engine.get(arg)?.worktree !== undefined;
  const kept = keptName !== undefined || arg === undefined || (typeof arg === 'string' && !sessionHasOne) ? await ctx.engine.worktrees.kept() : [];
  if (keptName !== undefined) {
    const found = kept.find((entry) => entry.name === keptName);
    if (!found) throw new Error(`The worktree kept from ${keptName} is gone (discarded, or its folder removed).`);
    return keptOwner(found);
  }
  const inWorktree = (record: SessionRecord) => record.worktree !== undefined && !record.worktreeDiscarded;
  if (kept.length === 0 || sessionHasOne || (arg !== undefined && typeof arg !== 'string')) {
    return resolveSession(ctx.engine, ctx.picker, arg, {
      placeHolder,
      filter: inWorktree,
      none: vscode.l10n.t('No session runs in a worktree of its own. Spawn one in a worktree (the spawn flow asks, in a git repository).'),
      selected: ctx.selected,
    });
  }
  if (typeof arg === 'string') {
    const found = kept.find((entry) => entry.name === arg);
    if (found) return keptOwner(found);
  }
  const now = Date.now();
  const items = [
    ...ctx.engine.list().reverse().filter(inWorktree).map((record) => ({ ...sessionPickItem(record, now), owner: record as WorktreeOwner })),
    ...kept.map((entry) => ({ label: `$(git-branch) ${entry.worktree.branch}`, description: `kept from the removed session ${entry.name}, ${formatAge(now - entry.keptAt)} ago`, detail: entry.worktree.path, owner: keptOwner(entry) })),
  ];
  return (await ctx.picker.pick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true }))?.owner;
}

/** The worktree file and the base's, for one changed file. */
function sides(record: WorktreeOwner, mergeBase: string, file: ChangedFile): { label: vscode.Uri; original: vscode.Uri | undefined; modified: vscode.Uri | undefined } {
  const worktree = record.worktree!;
  const inTree = vscode.Uri.file(path.join(worktree.path, file.path));
  const original = file.status === 'added' ? undefined : gitFileUri(record.name, mergeBase, file.oldPath ?? file.path);
  const modified = file.status === 'deleted' ? undefined : inTree;
  return { label: inTree, original, modified };
}

const counts = (file: ChangedFile) => (file.added === undefined ? 'binary' : `+${file.added} −${file.removed ?? 0}`);

/** instar.reviewChanges: everything the session changed against its base, committed and uncommitted, in one multi-file diff. */
export async function reviewChanges(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const record = await worktreeSession(ctx, arg, 'Review the changes of which session?');
  if (!record) return undefined;
  const review = await ctx.engine.worktrees.review(record.name);
  const worktree = record.worktree!;
  if (review.files.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} has changed nothing on {1} against {2} yet.', record.name, worktree.branch, worktree.base));
    return review;
  }
  const resources = review.files.map((file) => {
    const { label, original, modified } = sides(record, review.mergeBase, file);
    return [label, original, modified] as [vscode.Uri, vscode.Uri | undefined, vscode.Uri | undefined];
  });
  await vscode.commands.executeCommand('vscode.changes', `${record.name}: ${worktree.branch} vs ${worktree.base}`, resources);
  return review;
}

/** instar.reviewFile: one changed file of the session, in the normal diff editor. */
export async function reviewFile(ctx: CommandContext, arg: unknown, file?: unknown): Promise<unknown> {
  const record = await worktreeSession(ctx, arg, 'Review a file of which session?');
  if (!record) return undefined;
  const review = await ctx.engine.worktrees.review(record.name);
  const chosen =
    typeof file === 'string'
      ? review.files.find((changed) => changed.path === file)
      : (
          await ctx.picker.pick(
            review.files.map((changed) => ({ label: changed.path, description: `${changed.status}${changed.oldPath ? ` from ${changed.oldPath}` : ''} · ${counts(changed)}`, changed })),
            { title: vscode.l10n.t('{0}: {1} changed file{2}', record.name, review.files.length, review.files.length === 1 ? '' : 's'), placeHolder: vscode.l10n.t('Open the diff of a file'), matchOnDescription: true },
          )
        )?.changed;
  if (!chosen) {
    if (typeof file === 'string') throw new Error(`${record.name} did not change ${file}.`);
    if (review.files.length === 0) void vscode.window.showInformationMessage(vscode.l10n.t('{0} has changed nothing yet.', record.name));
    return undefined;
  }
  const { original, modified } = sides(record, review.mergeBase, chosen);
  // An added or deleted file: its missing side reads as empty.
  const empty = gitFileUri(record.name, review.mergeBase, `${chosen.path}.instar-none`);
  await vscode.commands.executeCommand('vscode.diff', original ?? empty, modified ?? empty, `${chosen.path} (${record.worktree!.base} ↔ ${record.name})`);
  return chosen;
}

/** instar.openWorktree: the session's worktree as a workspace of its own, in a new window. */
export async function openWorktree(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const record = await worktreeSession(ctx, arg, 'Open the worktree of which session?');
  if (!record) return undefined;
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(record.worktree!.path), { forceNewWindow: true });
  return record.worktree!.path;
}

/** instar.mergeWorktree: merges the session's branch into its base in the main tree (fast-forward when possible). */
export async function mergeWorktree(ctx: CommandContext, arg: unknown, options?: unknown): Promise<unknown> {
  const record = await worktreeSession(ctx, arg, 'Merge the worktree of which session?');
  if (!record) return undefined;
  const { branch, base } = record.worktree!;
  if (!isEnded(record) && isWorking(record)) throw new Error(`${record.name} is still ${record.status} in its worktree: merge once its turn has ended (or kill it).`);
  const { uncommitted } = await ctx.engine.worktrees.loss(record.name);
  if (uncommitted.length > 0) {
    const commit = optionsOf(options).commit ?? (await confirm(`${record.name} left ${uncommitted.length} uncommitted file${uncommitted.length === 1 ? '' : 's'} in its worktree. Commit them to ${branch} and merge into ${base}?`, list(uncommitted), 'Commit and Merge'));
    if (!commit) return undefined;
    await ctx.engine.worktrees.commit(record.name);
  }
  const result = await ctx.engine.worktrees.merge(record.name);
  if (result.kind === 'conflict') {
    const conflicts = result.conflicts ?? [];
    const repoRoot = record.worktree!.repoRoot;
    for (const file of conflicts.slice(0, 5)) {
      const uri = vscode.Uri.file(path.join(repoRoot, file));
      await vscode.commands.executeCommand('git.openMergeEditor', uri).then(undefined, () => vscode.commands.executeCommand('vscode.open', uri));
    }
    void vscode.window
      .showWarningMessage(vscode.l10n.t('Merging {0} into {1} left conflicts in {2}. Resolve them in the merge editor, then commit in Source Control; {3} is unchanged, nothing was lost.', branch, base, conflicts.join(', '), branch), vscode.l10n.t('Open Source Control'))
      .then((choice) => choice && vscode.commands.executeCommand('workbench.view.scm'));
  } else {
    const how = result.kind === 'fast-forward' ? 'fast-forward' : result.kind === 'merge-commit' ? 'a merge commit' : 'it was merged already';
    void vscode.window.showInformationMessage(`Merged ${branch} into ${base} (${how}).${record.usage ? ` The session cost ${formatUsd(record.usage.costUsd)}.` : ''}`);
    markStepDone('worktree');
  }
  return result;
}

/** instar.discardWorktree: removes the session's worktree and branch, after naming what that would lose. */
export async function discardWorktree(ctx: CommandContext, arg: unknown, options?: unknown): Promise<unknown> {
  const record = await worktreeSession(ctx, arg, 'Discard the worktree of which session?');
  if (!record) return undefined;
  if (!isEnded(record)) throw new Error(`${record.name} is still ${record.status} in its worktree: kill it before discarding the worktree.`);
  const loss = await ctx.engine.worktrees.loss(record.name);
  const ok = optionsOf(options).confirmed ?? (await confirm(`Discard the worktree of ${record.name} and its branch ${record.worktree!.branch}?`, lossText(loss, record), 'Discard'));
  if (!ok) return undefined;
  const result = await ctx.engine.worktrees.discard(record.name, { force: true });
  ctx.refresh.listKept();
  return result;
}

/** What discarding loses, in words for a dialog. */
export function lossText(loss: DiscardLoss, record: Pick<SessionRecord, 'worktree'>): string {
  const parts: string[] = [];
  if (loss.uncommitted.length > 0) parts.push(`It would lose ${loss.uncommitted.length} uncommitted file${loss.uncommitted.length === 1 ? '' : 's'}: ${list(loss.uncommitted)}.`);
  if (loss.commits.length > 0) parts.push(`It would lose ${loss.commits.length} commit${loss.commits.length === 1 ? '' : 's'} that ${record.worktree!.base} does not have: ${list(loss.commits.map((commit) => `${commit.commit.slice(0, 8)} ${commit.subject}`))}.`);
  return parts.length > 0 ? parts.join('\n') : `Nothing would be lost: everything it did is in ${record.worktree!.base}.`;
}

const list = (items: readonly string[]): string => (items.length > 8 ? `${items.slice(0, 8).join(', ')} and ${items.length - 8} more` : items.join(', '));

async function confirm(message: string, detail: string, action: string): Promise<boolean> {
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
}
