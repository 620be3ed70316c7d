/**
 * Notifications when a session changes state: waiting for the user, idle after a turn,
 * completed, failed. Quiet about the session whose terminal is active, and as the
 * `instar.notifications` setting says.
 */
import * as vscode from 'vscode';
import type { SessionRecord, SessionStatus } from '../core/model/sessionRecord';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import type { Disposable } from '../core/util/disposables';
import type { NotificationLevel } from './settings';

export interface NotificationHooks {
  level: () => NotificationLevel;
  /** The session the user is looking at (its terminal is active). */
  focusedSession: () => string | undefined;
  /** Opens a session (the notification's Open button). */
  open: (name: string) => void;
}

export class SessionNotifications implements vscode.Disposable {
  private readonly lastStatus = new Map<string, SessionStatus>();
  private readonly subscription: Disposable;

  constructor(
    engine: SessionEngine,
    private readonly hooks: NotificationHooks,
  ) {
    for (const record of engine.list()) this.lastStatus.set(record.name, record.status);
    this.subscription = engine.onDidChange((change) => {
      for (const record of change.changed) this.notify(record);
      for (const name of change.removed) this.lastStatus.delete(name);
    });
  }

  private notify(record: SessionRecord): void {
    const previous = this.lastStatus.get(record.name);
    this.lastStatus.set(record.name, record.status);
    if (previous === record.status) return;
    const level = this.hooks.level();
    if (level === 'off' || this.hooks.focusedSession() === record.name) return;
    const message = messageFor(record, previous, level);
    if (!message) return;
    const show = record.status === 'error' || record.status === 'lost' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(message, 'Open').then((choice) => {
      if (choice === 'Open') this.hooks.open(record.name);
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

function messageFor(record: SessionRecord, previous: SessionStatus | undefined, level: NotificationLevel): string | undefined {
  const detail = record.statusDetail ? ` (${record.statusDetail})` : '';
  if (record.status === 'waiting') return `${record.name} is waiting for you${detail}.`;
  if (level !== 'all') return undefined;
  if (record.status === 'idle' && previous === 'running') return `${record.name} finished its turn and is idle.`;
  if (record.status === 'completed') return `${record.name} completed.`;
  if (record.status === 'error' || record.status === 'lost') return `${record.name}: ${record.status}${detail}.`;
  return undefined;
}
