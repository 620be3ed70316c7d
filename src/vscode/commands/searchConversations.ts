/**
 * instar.searchConversations: searches every session's name, prompt and conversation (ended ones
 * too); picking a match opens that session's conversation at it.
 */
import * as vscode from 'vscode';
import { STATUS_LOOKS } from '../../core/presentation/sessionPresentation';
import type { SearchMatch } from '../../core/sessions/sessionEngine';
import { MAX_QUERY_CHARS } from '../../core/sessions/conversationSearch';
import type { CommandContext } from './commandContext';
import { resolveText } from '../pickers/textInput';

const WHERE: Record<SearchMatch['where'], string> = { name: 'its name', prompt: 'its prompt', conversation: 'its conversation' };
const KIND: Record<string, string> = { prompt: 'a prompt', command: 'a command', answer: 'an answer', tool: 'a tool call', result: 'a tool result', error: 'an error', note: 'a note' };

/** `query`: the text to search for (asked for when not given). Resolves with the editor opened, if any. */
export async function searchConversations(ctx: CommandContext, query?: unknown): Promise<unknown> {
  const text = await resolveText(query, {
    title: vscode.l10n.t('Search Sessions'),
    prompt: vscode.l10n.t("Words in sessions' names, prompts and conversations, ended sessions included"),
    validateInput: (value) => (value.trim().length > MAX_QUERY_CHARS ? `At most ${MAX_QUERY_CHARS} characters.` : undefined),
  });
  if (text === undefined || text.trim() === '') return undefined;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Searching {0} sessions…', ctx.engine.list().length) }, () => ctx.engine.search(text));
  if (result.matches.length === 0) {
    void vscode.window.showInformationMessage(`No session says "${result.query}" (${result.sessions} searched${result.unreadable.length ? `; the conversations of ${result.unreadable.join(', ')} could not be read` : ''}).`);
    return undefined;
  }
  const items = result.matches.map((match) => {
    const record = ctx.engine.get(match.session);
    const icon = record ? `$(${STATUS_LOOKS[record.status].icon.replace('~spin', '')}) ` : '';
    const where = match.where === 'conversation' ? `in ${KIND[match.kind ?? ''] ?? 'its conversation'}${match.at ? `, ${new Date(match.at).toLocaleString()}` : ''}` : `in ${WHERE[match.where]}`;
    return { label: `${icon}${match.session}`, description: where, detail: match.snippet, match };
  });
  const picked = await ctx.picker.pick(items, {
    title: vscode.l10n.t('Search Sessions: {0}{1} match{2} for "{3}"', result.matches.length, result.truncated ? '+' : '', result.matches.length === 1 ? '' : 'es', result.query),
    placeHolder: vscode.l10n.t('Open the conversation at a match'),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  return ctx.conversations.show(picked.match.session, picked.match.item);
}
