/** The status bar item: how many sessions run, wait for the user and are idle, in words, and what they cost today; a click reveals the view. */
import * as vscode from 'vscode';
import { countByStatus } from '../core/model/sessionRecord';
import { formatUsd } from '../core/model/usage';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { DisposableStore } from '../core/util/disposables';

export class SessionStatusBar implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly item: vscode.StatusBarItem;

  constructor(
    private readonly engine: SessionEngine,
    /** Who keeps the work when not this window (a line of the tooltip), if anyone. */
    private readonly keeperSummary: () => string | undefined = () => undefined,
  ) {
    this.item = this.store.add(vscode.window.createStatusBarItem('instar.summary', vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'Instar Sessions';
    this.item.command = 'instar.sessions.focus';
    this.store.add(engine.onDidChange(() => this.update()));
    this.update();
  }

  update(): void {
    const counts = countByStatus(this.engine.list());
    const running = counts.running + counts.starting;
    const usage = this.engine.usage.report();
    if (running + counts.waiting + counts.idle === 0 && counts.error === 0 && usage.todayUsd === 0) {
      this.item.hide();
      return;
    }
    const parts = [`$(sync) ${running} running`];
    if (counts.waiting > 0) parts.push(`$(bell-dot) ${counts.waiting} waiting`);
    parts.push(`$(circle-large-outline) ${counts.idle} idle`);
    if (counts.error > 0) parts.push(`$(error) ${counts.error} failed`);
    if (usage.todayUsd > 0) parts.push(`${formatUsd(usage.todayUsd)} today`);
    this.item.text = parts.join('  ');
    const budget = usage.dailyBudgetUsd === undefined ? '' : ` of a daily budget of ${formatUsd(usage.dailyBudgetUsd)}`;
    const summary = `Instar Sessions: ${running} running, ${counts.waiting} waiting for you, ${counts.idle} idle${counts.error ? `, ${counts.error} with errors` : ''}; ${formatUsd(usage.todayUsd)} spent today${budget}`;
    const keeper = this.keeperSummary();
    this.item.tooltip = keeper ? `${summary}\n${keeper}` : summary;
    this.item.accessibilityInformation = { label: summary, role: 'button' };
    this.item.backgroundColor = counts.waiting > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.store.dispose();
  }
}
