/**
 * Show Conversation: a read-only Markdown document per session on the `instar-conversation`
 * scheme, rendered from its transcript and kept current while it is open (each change of the
 * session reads only what the transcript added). Still there once the session ended or its tmux
 * server is gone: the transcript is Claude Code's own file.
 */
import * as vscode from 'vscode';
import { URI } from 'vscode-uri';
import { conversationMarkdown } from '../core/presentation/conversationMarkdown';
import type { ConversationReader, SessionEngine } from '../core/sessions/sessionEngine';
import { DisposableStore } from '../core/util/disposables';

import { CONVERSATION_SCHEME } from './schemes';

export { CONVERSATION_SCHEME };
/** A burst of changes (a turn's usage, its end) redraws an open conversation once. */
const REDRAW_DELAY_MS = 150;

export function conversationUri(name: string): vscode.Uri {
  return vscode.Uri.parse(URI.from({ scheme: CONVERSATION_SCHEME, path: `/${name}.md` }).toString());
}

const nameOf = (uri: vscode.Uri): string => URI.parse(uri.toString()).path.replace(/^\//, '').replace(/\.md$/, '');

export class ConversationDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly emitter = this.store.add(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.emitter.event;
  /** Per open document's session: its reader, and the line of each item as last drawn. */
  private readonly open = new Map<string, { reader: ConversationReader | undefined; lineOfItem: number[] }>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly engine: SessionEngine) {
    this.store.add(
      engine.onDidChange(({ changed, removed }) => {
        for (const name of [...changed.map((record) => record.name), ...removed]) if (this.open.has(name)) this.redrawSoon(name);
      }),
    );
    this.store.add(
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme === CONVERSATION_SCHEME) this.open.delete(nameOf(document.uri));
      }),
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const name = nameOf(uri);
    const record = this.engine.get(name);
    if (!record) {
      this.open.delete(name);
      return `# ${name}\n\n_This session was removed; Instar no longer knows its conversation._\n`;
    }
    let entry = this.open.get(name);
    if (!entry || entry.reader?.transcript !== record.transcriptPath) {
      entry = { reader: this.engine.conversation(name), lineOfItem: [] };
      this.open.set(name, entry);
    }
    try {
      await entry.reader?.update();
    } catch (error) {
      return `# ${name}\n\n_Its transcript could not be read: ${(error as Error).message}_\n`;
    }
    const document = conversationMarkdown(record, entry.reader?.items ?? [], record.transcriptPath);
    entry.lineOfItem = document.lineOfItem;
    return document.text;
  }

  /** Opens a session's conversation, at an item when given (a search's match). */
  async show(name: string, item?: number): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument(conversationUri(name));
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    const line = item === undefined ? undefined : this.open.get(name)?.lineOfItem[item];
    if (line !== undefined) {
      const at = new vscode.Range(line, 0, line, 0);
      editor.selection = new vscode.Selection(at.start, at.start);
      editor.revealRange(at, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
    return editor;
  }

  private redrawSoon(name: string): void {
    if (this.pending.has(name)) return;
    this.pending.set(
      name,
      setTimeout(() => {
        this.pending.delete(name);
        this.emitter.fire(conversationUri(name));
      }, REDRAW_DELAY_MS),
    );
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.store.dispose();
  }
}
