/**
 * Notifications when a session changes state: waiting for the user, idle after a turn,
 * completed, failed. Quiet about the session whose terminal is active, and as the
 * `instar.notifications` setting says. Sessions spawned together (a batch) finish with one
 * notification, once none of them is still at work, with the counts; their later turns and
 * anything that waits for the user are told one by one. A budget at 80 % or reached is told too.
 */
import * as vscode from 'vscode';
import type { SessionRecord, SessionStatus } from '../core/model/sessionRecord';
import { AT_WORK, batchSummary, endsWork } from '../core/presentation/batchSummary';
import { notificationText } from '../core/presentation/notificationText';
import type { BudgetNotice, SessionEngine } from '../core/sessions/sessionEngine';
import type { Disposable } from '../core/util/disposables';
import type { NotificationLevel } from './settings';

export interface NotificationHooks {
  level: () => NotificationLevel;
  /** The session the user is looking at (its terminal is active). */
  focusedSession: () => string | undefined;
  /** Opens a session (the notification's Open button). */
  open: (name: string) => void;
  /** Shows every session (a batch notification's button). */
  showAll: () => void;
}

export class SessionNotifications implements vscode.Disposable {
  private readonly lastStatus = new Map<string, SessionStatus>();
  /** Batches whose first turns were told (or were over before this window saw them). */
  private readonly toldBatches = new Set<string>();
  private readonly subscription: Disposable;
  private readonly budgets: Disposable;

  constructor(
    private readonly engine: SessionEngine,
    private readonly hooks: NotificationHooks,
  ) {
    for (const record of engine.list()) {
      this.lastStatus.set(record.name, record.status);
      if (record.batch && !AT_WORK.has(record.status)) this.toldBatches.add(record.batch);
    }
    this.subscription = engine.onDidChange((change) => {
      for (const record of change.changed) this.notify(record);
      for (const name of change.removed) this.lastStatus.delete(name);
    });
    this.budgets = engine.onBudget((notice) => this.notifyBudget(notice));
  }

  /** A budget at 80 % or reached: told whatever is looked at (money is at stake), unless notifications are off. */
  private notifyBudget(notice: BudgetNotice): void {
    if (this.hooks.level() === 'off') return;
    const action = notice.scope === 'session' ? vscode.l10n.t('Set Budget…') : vscode.l10n.t('Open Settings');
    const show = notice.level === 'exceeded' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(notice.message, action).then((choice) => {
      if (choice === undefined) return;
      if (notice.scope === 'session') void vscode.commands.executeCommand('instar.setBudget', notice.session);
      else void vscode.commands.executeCommand('instar.openSettings', 'instar.budget.dailyUsd');
    });
  }

  private notify(record: SessionRecord): void {
    const previous = this.lastStatus.get(record.name);
    this.lastStatus.set(record.name, record.status);
    if (previous === record.status) return;
    const level = this.hooks.level();
    if (level === 'off') return;
    // A batch's first turns end in one notification, whoever is looked at.
    if (record.batch && !this.toldBatches.has(record.batch) && record.status !== 'waiting') {
      if (level === 'all' && endsWork(previous, record.status)) this.notifyBatch(record.batch);
      return;
    }
    const message = notificationText(record, previous, level);
    if (!message || this.hooks.focusedSession() === record.name) return;
    const show = record.status === 'error' || record.status === 'lost' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const [open, answer] = [vscode.l10n.t('Open'), vscode.l10n.t('Answer…')];
    const actions = record.status === 'waiting' ? [answer, open] : [open];
    void show(message, ...actions).then((choice) => {
      if (choice === open) this.hooks.open(record.name);
      else if (choice === answer) void vscode.commands.executeCommand('instar.sendKeys', record.name);
    });
  }

  /** One notification for a batch, once none of its sessions is at work. */
  private notifyBatch(batch: string): void {
    const members = this.engine.list().filter((record) => record.batch === batch);
    const summary = batchSummary(members);
    if (!summary) return;
    this.toldBatches.add(batch);
    // It tells every member's state as it is now: one whose change comes in the same event is not told again.
    for (const member of members) this.lastStatus.set(member.name, member.status);
    const show = summary.failed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(summary.text, vscode.l10n.t('Show Sessions')).then((choice) => {
      if (choice) this.hooks.showAll();
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.budgets.dispose();
  }
}
