/**
 * The Sessions view's data provider as registered at activation, before the rest of the
 * extension is loaded: it answers with the real provider once that is there (the view shows its
 * progress bar meanwhile) and passes on its change events.
 */
import type * as vscode from 'vscode';
import { Emitter } from '../../core/util/emitter';
import type { Disposable } from '../../core/util/disposables';

export class DeferredTree<T> implements vscode.TreeDataProvider<T>, Disposable {
  private readonly changes = new Emitter<T | T[] | undefined | null | void>();
  readonly onDidChangeTreeData = this.changes.event;
  private target: vscode.TreeDataProvider<T> | undefined;
  private subscription: Disposable | undefined;

  /** `loaded` resolves with the real provider (rejects if the extension could not load: no rows then). */
  constructor(private readonly loaded: Promise<vscode.TreeDataProvider<T>>) {
    loaded.then((target) => this.attach(target), () => undefined);
  }

  private attach(target: vscode.TreeDataProvider<T>): void {
    this.target = target;
    this.subscription = target.onDidChangeTreeData?.((change) => this.changes.fire(change));
  }

  // The constructor's callback on `loaded` was queued first: the provider is attached by the time this await resumes.
  async getChildren(element?: T): Promise<T[] | null | undefined> {
    return (this.target ?? (await this.loaded)).getChildren(element);
  }

  // Elements come only from the real provider's getChildren: it is there whenever these are asked.
  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.real().getTreeItem(element);
  }

  getParent(element: T): vscode.ProviderResult<T> {
    return this.real().getParent?.(element);
  }

  resolveTreeItem(item: vscode.TreeItem, element: T, token: vscode.CancellationToken): vscode.ProviderResult<vscode.TreeItem> {
    const target = this.real();
    return target.resolveTreeItem ? target.resolveTreeItem(item, element, token) : item;
  }

  private real(): vscode.TreeDataProvider<T> {
    if (!this.target) throw new Error('The Sessions view was asked for an item before its provider was loaded');
    return this.target;
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changes.dispose();
  }
}
