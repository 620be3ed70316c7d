/**
 * Show Output: a read-only document per session on the `instar-output` scheme, holding the last
 * N lines. It re-reads a document when told to; the refresh controller says when. The tabs of a
 * removed session close (its output is gone with it).
 */
import * as vscode from 'vscode';
import { URI } from 'vscode-uri';
import type { SessionEngine } from '../core/sessions/sessionEngine';

import { OUTPUT_SCHEME } from './schemes';

export { OUTPUT_SCHEME };

export function outputUri(name: string, lines: number): vscode.Uri {
  return vscode.Uri.parse(URI.from({ scheme: OUTPUT_SCHEME, path: `/${name}.log`, query: `lines=${lines}` }).toString());
}

function parseUri(uri: vscode.Uri): { name: string; lines: number } {
  const parsed = URI.parse(uri.toString());
  const name = parsed.path.replace(/^\//, '').replace(/\.log$/, '');
  const lines = Number(new URLSearchParams(parsed.query).get('lines')) || 100;
  return { name, lines };
}

export class OutputDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly engine: SessionEngine) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { name, lines } = parseUri(uri);
    if (!this.engine.get(name)) return `[${name} was removed: its record and its output are gone.]`;
    try {
      return await this.engine.output(name, { lines });
    } catch (error) {
      return `[${(error as Error).message}]`;
    }
  }

  /** Whether an output document is in a visible editor. */
  get anyVisible(): boolean {
    return vscode.window.visibleTextEditors.some((editor) => editor.document.uri.scheme === OUTPUT_SCHEME);
  }

  /** Re-reads the output documents in visible editors. */
  refreshVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) if (editor.document.uri.scheme === OUTPUT_SCHEME) this.emitter.fire(editor.document.uri);
  }

  /** Re-reads the open output documents of these sessions. */
  refreshSessions(names: readonly string[]): void {
    if (names.length === 0) return;
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme === OUTPUT_SCHEME && names.includes(parseUri(document.uri).name)) this.emitter.fire(document.uri);
    }
  }

  /** Closes the output tabs of these (removed) sessions. */
  async closeSessions(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const tabs = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .filter((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === OUTPUT_SCHEME && names.includes(parseUri(tab.input.uri).name));
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
