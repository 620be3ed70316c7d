/**
 * Sessions lost with their tmux server (a reboot, a killed server) are offered back: resumed at
 * once, or in a notification with "Resume All", as `instar.sessions.resumeLost` says. Both those
 * lost while the window was closed (found at start) and those lost while it is open.
 */
import * as vscode from 'vscode';
import type { SessionRecord } from '../core/model/sessionRecord';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import type { Logger } from '../core/util/host';
import { DisposableStore, MutableDisposable, toDisposable } from '../core/util/disposables';
import type { ResumeLost } from './settings';
import type { WorkspaceGate } from './workspaceGate';

/** Losses within this window are offered together. */
const GATHER_MS = 1000;

const resumable = (record: SessionRecord): boolean => record.status === 'lost' && record.claudeSessionId !== undefined && record.transcriptPath !== undefined;

export class LostSessions implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly pending = new Set<string>();
  private readonly timer = this.store.add(new MutableDisposable());

  constructor(
    private readonly engine: SessionEngine,
    private readonly gate: WorkspaceGate,
    private readonly policy: () => ResumeLost,
    private readonly logger: Logger,
    /** Sessions that ended after this (epoch ms) were lost at the start of this window. */
    since: number,
  ) {
    for (const record of engine.list()) if (resumable(record) && (record.endedAt ?? 0) >= since) this.pending.add(record.name);
    if (this.pending.size > 0) this.offerSoon();
    this.store.add(
      engine.onDidChange((change) => {
        const lost = change.changed.filter(resumable);
        for (const record of lost) this.pending.add(record.name);
        if (lost.length > 0) this.offerSoon();
      }),
    );
  }

  private offerSoon(): void {
    if (this.timer.value) return;
    const timer = setTimeout(() => {
      this.timer.value = undefined;
      void this.offer();
    }, GATHER_MS);
    this.timer.value = toDisposable(() => clearTimeout(timer));
  }

  private async offer(): Promise<void> {
    const names = [...this.pending].filter((name) => {
      const record = this.engine.get(name);
      return record !== undefined && resumable(record);
    });
    this.pending.clear();
    const policy = this.policy();
    if (names.length === 0 || policy === 'never' || !this.gate.trustedFolder()) return;
    if (policy === 'ask') {
      const list = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
      const resumeAll = vscode.l10n.t('Resume All');
      const message =
        names.length === 1
          ? vscode.l10n.t('A session was lost with the tmux server ({0}). Its conversation can go on where it was.', list)
          : vscode.l10n.t('{0} sessions were lost with the tmux server ({1}). Their conversations can go on where they were.', names.length, list);
      const choice = await vscode.window.showWarningMessage(message, resumeAll);
      if (choice !== resumeAll) return;
    }
    for (const name of names) {
      try {
        await this.engine.resume(name);
      } catch (error) {
        this.logger.error(`Could not resume ${name}: ${(error as Error).message}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('Could not resume {0}: {1}', name, (error as Error).message));
      }
    }
  }

  dispose(): void {
    this.store.dispose();
  }
}
