/** The Sessions view's badge: how many sessions wait for the user (none: no badge). */
import * as vscode from 'vscode';
import { countByStatus } from '../../core/model/sessionRecord';
import type { SessionEngine } from '../../core/sessions/sessionEngine';
import type { Disposable } from '../../core/util/disposables';

export class WaitingBadge implements vscode.Disposable {
  private readonly subscription: Disposable;

  constructor(
    private readonly engine: SessionEngine,
    private readonly view: vscode.TreeView<unknown>,
  ) {
    this.subscription = engine.onDidChange(() => this.update());
    this.update();
  }

  private update(): void {
    const waiting = countByStatus(this.engine.list()).waiting;
    this.view.badge = waiting > 0 ? { value: waiting, tooltip: `${waiting} session${waiting === 1 ? '' : 's'} waiting for you` } : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
