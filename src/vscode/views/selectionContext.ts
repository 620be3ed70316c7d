/**
 * The session selected in the Sessions view, and the context key `instar.selectedSession`:
 * `live` or `ended` for it, `none` otherwise, which enables the view's keybindings (Delete
 * kills, Shift+Delete removes, Shift+Enter sends input). The name is taken from the selection
 * events: the view's `selection` reads empty while the tree redraws (every second while an age
 * in seconds shows), which would lose it.
 */
import * as vscode from 'vscode';
import { isEnded } from '../../core/model/sessionRecord';
import type { SessionEngine } from '../../core/sessions/sessionEngine';
import { DisposableStore } from '../../core/util/disposables';
import type { SessionNode } from './sessionTree';

export class SelectionContext implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private last: string | undefined;
  private name: string | undefined;

  constructor(
    private readonly engine: SessionEngine,
    view: vscode.TreeView<SessionNode>,
  ) {
    this.store.add(
      view.onDidChangeSelection((event) => {
        const node = event.selection[0];
        this.name = node?.kind === 'session' ? node.name : undefined;
        this.update();
      }),
    );
    this.store.add(engine.onDidChange(() => this.update()));
    this.update();
  }

  /** The selected session's name, if a session is selected. */
  get selected(): string | undefined {
    return this.name;
  }

  private update(): void {
    const record = this.name === undefined ? undefined : this.engine.get(this.name);
    const value = record ? (isEnded(record) ? 'ended' : 'live') : 'none';
    if (value === this.last) return;
    this.last = value;
    void vscode.commands.executeCommand('setContext', 'instar.selectedSession', value);
  }

  dispose(): void {
    this.store.dispose();
  }
}
