/**
 * How the Sessions view lists: grouped by state or flat (instar.groupByState, instar.showFlat),
 * filtered (instar.filterSessions, instar.clearSessionFilter), and another page of ended sessions
 * (instar.showMoreEnded).
 */
import * as vscode from 'vscode';
import { parseFilter } from '../../core/presentation/sessionListing';
import type { CommandContext } from './commandContext';
import { resolveText } from '../pickers/textInput';

export const groupByState = (ctx: CommandContext): Promise<void> => ctx.tree.setGrouped(true);
export const showFlat = (ctx: CommandContext): Promise<void> => ctx.tree.setGrouped(false);

/** Asks for a filter (or takes `text`, as a script or a test gives it); a filter that is not one is said, and changes nothing. */
export async function filterSessions(ctx: CommandContext, text?: unknown): Promise<void> {
  const typed = await resolveText(text, {
    title: vscode.l10n.t('Filter Sessions'),
    value: ctx.tree.filterText,
    prompt: vscode.l10n.t('Words of the name, state:waiting (live, ended, or a state), label:<label>, job:<slug>; empty shows every session'),
    placeHolder: vscode.l10n.t('state:waiting label:nightly review'),
    validateInput: (value) => {
      try {
        parseFilter(value);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
  if (typed === undefined) return;
  try {
    await ctx.tree.setFilter(typed);
  } catch (error) {
    void vscode.window.showErrorMessage((error as Error).message);
  }
}

export const clearSessionFilter = (ctx: CommandContext): Promise<void> => ctx.tree.setFilter('');
export const showMoreEnded = (ctx: CommandContext): void => ctx.tree.showMoreEnded();
