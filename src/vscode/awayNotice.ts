/**
 * "While you were away": every window notes, every 20 s, that it looks at the workspace (a file in
 * the state folder, which every window reads whatever storage VS Code gave it); the next window to
 * start after a minute or more with none (the keeper kept the work meanwhile) says in one
 * notification what happened, with a button to the list of each run and ending.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { awaySummary } from '../core/presentation/awaySummary';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { writeFileAtomic } from '../core/util/atomicWrite';
import type { Logger } from '../core/util/host';

const SEEN_FILE = 'window-seen.json';
const HEARTBEAT_MS = 20_000;
/** Longer than any reload, and than a heartbeat missed by a busy host. */
const AWAY_MS = 60_000;
const USAGE_WAIT_MS = 5000;

export class AwayNotice implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: SessionEngine,
    private readonly stateDir: string,
    private readonly logger: Logger,
    private readonly quiet: () => boolean,
  ) {}

  /** Once the engine has read what happened meanwhile: says it, then goes on noting that this window looks. */
  async start(now = Date.now()): Promise<void> {
    const last = this.lastSeen();
    const note = () => this.note();
    note();
    this.timer = setInterval(note, HEARTBEAT_MS);
    this.timer.unref();
    if (last === undefined || now - last < AWAY_MS) return;
    // What those sessions cost: their transcripts read first (a few seconds at most).
    await Promise.race([this.engine.usage.read(), new Promise((resolve) => setTimeout(resolve, USAGE_WAIT_MS))]);
    const summary = awaySummary(this.engine.list(), last, now);
    if (!summary) return;
    this.logger.info(summary.text);
    if (this.quiet()) return;
    const choice = await vscode.window.showInformationMessage(summary.text, vscode.l10n.t('Show Details'));
    if (choice) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: summary.markdown, language: 'markdown' }), { preview: true });
  }

  private lastSeen(): number | undefined {
    try {
      const value = (JSON.parse(readFileSync(path.join(this.stateDir, SEEN_FILE), 'utf8')) as { at?: unknown }).at;
      return typeof value === 'number' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  private note(): void {
    void writeFileAtomic(path.join(this.stateDir, SEEN_FILE), `${JSON.stringify({ at: Date.now() })}\n`, { makeDir: true }).catch((error: Error) => this.logger.debug(`Could not note that this window looks: ${error.message}`));
  }

  dispose(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    // A window that closes was looking until now.
    this.note();
  }
}
