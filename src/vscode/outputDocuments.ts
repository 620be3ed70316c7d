/**
 * Show Output: a read-only document per session on the `instar-output` scheme, holding the last
 * N lines, refreshed while it is open.
 */
import * as vscode from 'vscode';
import { URI } from 'vscode-uri';
import type { SessionEngine } from '../core/sessions/sessionEngine';

export const OUTPUT_SCHEME = 'instar-output';

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
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly engine: SessionEngine) {
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      vscode.workspace.onDidCloseTextDocument(() => this.schedule()),
    );
    const subscription = engine.onDidChange((change) => {
      for (const uri of this.openUris()) if (change.changed.some((record) => record.name === parseUri(uri).name)) this.emitter.fire(uri);
    });
    this.disposables.push({ dispose: () => subscription.dispose() });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { name, lines } = parseUri(uri);
    this.schedule();
    try {
      return await this.engine.output(name, { lines });
    } catch (error) {
      return `[${(error as Error).message}]`;
    }
  }

  private openUris(): vscode.Uri[] {
    return vscode.workspace.textDocuments.filter((document) => document.uri.scheme === OUTPUT_SCHEME).map((document) => document.uri);
  }

  /** Refreshes visible output documents every 2 s; the timer runs only while one is visible. */
  private schedule(): void {
    const visible = vscode.window.visibleTextEditors.some((editor) => editor.document.uri.scheme === OUTPUT_SCHEME);
    if (visible && !this.timer) {
      this.timer = setInterval(() => {
        const uris = vscode.window.visibleTextEditors.filter((editor) => editor.document.uri.scheme === OUTPUT_SCHEME).map((editor) => editor.document.uri);
        if (uris.length === 0) this.stop();
        for (const uri of uris) this.emitter.fire(uri);
      }, 2000);
    } else if (!visible) {
      this.stop();
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stop();
    for (const disposable of this.disposables) disposable.dispose();
    this.emitter.dispose();
  }
}
