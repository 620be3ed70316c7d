/**
 * The other projects open on this machine, as this window shows them: the engine's list of the
 * other workspaces' live sessions on the tmux server, each workspace's folder found among those
 * noted on the machine (read again when a workspace it does not know appears), handed to the view.
 */
import * as vscode from 'vscode';
import { workspaceFolders } from '../core/lead/workspaceDirectory';
import type { OtherSession, SessionEngine } from '../core/sessions/sessionEngine';
import type { Logger } from '../core/util/host';

/** The notes are read again for a workspace not known yet at most this often. */
const REREAD_MS = 5000;

export class OtherWorkspaces implements vscode.Disposable {
  private folders = new Map<string, string>();
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly engine: SessionEngine,
    private readonly show: (sessions: readonly OtherSession[], folderOf: (key: string) => string | undefined) => void,
    private readonly logger: Logger,
  ) {
    this.subscription = engine.others.onDidChange((sessions) => void this.update(sessions));
  }

  get sessions(): readonly OtherSession[] {
    return this.engine.others.list;
  }

  folderOf(key: string): string | undefined {
    return this.folders.get(key);
  }

  private async update(sessions: readonly OtherSession[]): Promise<void> {
    const unknown = sessions.some((session) => !this.folders.has(session.workspaceKey));
    if (unknown && Date.now() - this.readAt >= REREAD_MS) {
      this.reading ??= this.readNotes().finally(() => (this.reading = undefined));
      await this.reading;
    }
    this.show(this.engine.others.list, (key) => this.folderOf(key));
  }

  private async readNotes(): Promise<void> {
    this.readAt = Date.now();
    try {
      this.folders = await workspaceFolders();
    } catch (error) {
      this.logger.debug(`Could not read the workspaces noted on this machine: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
