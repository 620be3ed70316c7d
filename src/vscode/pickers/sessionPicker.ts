/** Which session a command acts on: the clicked tree node, a name argument, the selected node (from a keybinding), or a QuickPick that shows states. */
import * as vscode from 'vscode';
import type { SessionRecord } from '../../core/model/sessionRecord';
import { sessionDescription, STATUS_LOOKS } from '../../core/presentation/sessionPresentation';
import type { SessionEngine } from '../../core/sessions/sessionEngine';
import type { QuickPicker } from './quickPicker';

export interface SessionPickOptions {
  placeHolder: string;
  filter?: (record: SessionRecord) => boolean;
  /** What to say when no session fits. */
  none: string;
  /** The session selected in the tree, for a keybinding's `{ "fromSelection": true }` argument. */
  selected?: () => string | undefined;
  /** The sessions the command is most for (those waiting, for an answer): when just one is, it is taken without asking. */
  prefer?: (record: SessionRecord) => boolean;
  /** Ask even when one session fits (a command that ends or removes it asks nothing more). */
  alwaysAsk?: boolean;
}

/** The argument the view's keybindings pass: act on the selected session. */
function selectedName(arg: unknown, options: SessionPickOptions): string | undefined {
  return arg && typeof arg === 'object' && 'fromSelection' in arg ? options.selected?.() : undefined;
}

/** A session as a QuickPick item: state icon and name, its description (state in words first), the prompt's first line. */
export function sessionPickItem(record: SessionRecord, now: number): vscode.QuickPickItem & { name: string } {
  return {
    label: `$(${STATUS_LOOKS[record.status].icon.replace('~spin', '')}) ${record.name}`,
    description: sessionDescription(record, now),
    detail: record.prompt.split('\n')[0]?.slice(0, 120) || undefined,
    name: record.name,
  };
}

/** The session named by a tree node or a name argument, or one picked by the user. */
export async function resolveSession(engine: SessionEngine, picker: QuickPicker, arg: unknown, options: SessionPickOptions): Promise<SessionRecord | undefined> {
  const name = typeof arg === 'string' ? arg : arg && typeof arg === 'object' && 'name' in arg && typeof arg.name === 'string' ? arg.name : undefined;
  if (name !== undefined) return engine.require(name);
  // A keybinding acts on the selected session when it fits the command, or asks.
  const selected = selectedName(arg, options);
  const record = selected === undefined ? undefined : engine.get(selected);
  if (record && (options.filter ?? (() => true))(record)) return record;
  const candidates = engine.list().reverse().filter(options.filter ?? (() => true));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(options.none);
    return undefined;
  }
  // Only one can take the action (or only one is what it is for): no question.
  const preferred = options.prefer ? candidates.filter(options.prefer) : [];
  if (!options.alwaysAsk && (candidates.length === 1 || preferred.length === 1)) return candidates.length === 1 ? candidates[0] : preferred[0];
  const now = Date.now();
  const picked = await picker.pick(
    candidates.map((record) => sessionPickItem(record, now)),
    { placeHolder: options.placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked ? engine.get(picked.name) : undefined;
}
