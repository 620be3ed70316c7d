/**
 * A read-only document scheme's content provider as registered at activation (a tab restored
 * after a reload asks at once): it answers with the real provider once the rest of the extension
 * is loaded, and passes on its change events.
 */
import type * as vscode from 'vscode';
import { Emitter } from '../../core/util/emitter';
import type { Disposable } from '../../core/util/disposables';

export class DeferredDocuments implements vscode.TextDocumentContentProvider, Disposable {
  private readonly changes = new Emitter<vscode.Uri>();
  readonly onDidChange = this.changes.event;
  private subscription: Disposable | undefined;

  constructor(private readonly loaded: Promise<vscode.TextDocumentContentProvider>) {
    loaded.then((target) => {
      this.subscription = target.onDidChange?.((uri) => this.changes.fire(uri));
    }, () => undefined);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string | null | undefined> {
    return (await this.loaded).provideTextDocumentContent(uri, token);
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changes.dispose();
  }
}
