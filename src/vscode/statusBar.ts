/**
 * The status bar item (running, waiting, idle counts; reveals the view), the view's badge
 * (sessions waiting for the user), and notifications for sessions the user is not looking at.
 */
import * as vscode from 'vscode';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { countByStatus, SessionRecord, SessionStatus } from '../core/model/sessionRecord';
import type { NotificationLevel } from './settings';

export class SessionSummary implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly lastStatus = new Map<string, SessionStatus>();

  constructor(
    private readonly engine: SessionEngine,
    private readonly view: vscode.TreeView<unknown>,
    private readonly notificationLevel: () => NotificationLevel,
    /** The session the user is looking at (its terminal is active), to stay quiet about it. */
    private readonly focusedSession: () => string | undefined,
    private readonly open: (name: string) => void,
  ) {
    this.item = vscode.window.createStatusBarItem('instar.summary', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Instar Sessions';
    this.item.command = 'instar.sessions.focus';
    for (const record of engine.list()) this.lastStatus.set(record.name, record.status);
    const subscription = engine.onDidChange((change) => {
      for (const record of change.changed) this.notify(record);
      for (const name of change.removed) this.lastStatus.delete(name);
      this.update();
    });
    this.disposables.push({ dispose: () => subscription.dispose() }, this.item);
    this.update();
  }

  update(): void {
    const counts = countByStatus(this.engine.list());
    const live = counts.running + counts.starting + counts.waiting + counts.idle;
    if (live === 0 && counts.error === 0) {
      this.item.hide();
    } else {
      const parts = [`$(sync) ${counts.running + counts.starting}`];
      if (counts.waiting > 0) parts.push(`$(bell-dot) ${counts.waiting}`);
      parts.push(`$(circle-large-outline) ${counts.idle}`);
      this.item.text = parts.join(' ');
      this.item.tooltip = `Instar Sessions: ${counts.running + counts.starting} running, ${counts.waiting} waiting for you, ${counts.idle} idle${counts.error ? `, ${counts.error} with errors` : ''}`;
      this.item.backgroundColor = counts.waiting > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.show();
    }
    this.view.badge = counts.waiting > 0 ? { value: counts.waiting, tooltip: `${counts.waiting} session${counts.waiting === 1 ? '' : 's'} waiting for you` } : undefined;
  }

  private notify(record: SessionRecord): void {
    const previous = this.lastStatus.get(record.name);
    this.lastStatus.set(record.name, record.status);
    if (previous === record.status) return;
    const level = this.notificationLevel();
    if (level === 'off' || this.focusedSession() === record.name) return;
    let message: string | undefined;
    if (record.status === 'waiting') message = `${record.name} is waiting for you${record.statusDetail ? ` (${record.statusDetail})` : ''}.`;
    else if (level === 'all' && record.status === 'idle' && previous === 'running') message = `${record.name} finished its turn and is idle.`;
    else if (level === 'all' && record.status === 'completed') message = `${record.name} completed.`;
    else if (level === 'all' && (record.status === 'error' || record.status === 'lost')) message = `${record.name}: ${record.status}${record.statusDetail ? ` (${record.statusDetail})` : ''}.`;
    if (!message) return;
    const show = record.status === 'error' || record.status === 'lost' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(message, 'Open').then((choice) => {
      if (choice === 'Open') this.open(record.name);
    });
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
