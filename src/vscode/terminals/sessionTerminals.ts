/**
 * Sessions as editor terminals, one per session: opening a session that already has a tab
 * focuses it; the session's changes reach its terminal, which shows the last screen when the
 * session ends and binds again when it is resumed.
 */
import * as vscode from 'vscode';
import type { SessionRecord } from '../../core/model/sessionRecord';
import type { SessionEngine } from '../../core/sessions/sessionEngine';
import { DisposableStore } from '../../core/util/disposables';
import { SessionPty } from './sessionPty';

export class SessionTerminals implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly open = new Map<string, { terminal: vscode.Terminal; pty: SessionPty; id: string }>();
  private readonly paintEmitter = this.store.add(new vscode.EventEmitter<string>());
  /** Fires with a session's name when its terminal has painted the screen. */
  readonly onDidPaint = this.paintEmitter.event;
  private readonly endEmitter = this.store.add(new vscode.EventEmitter<string>());
  /** Fires with a session's name when its terminal shows how the session ended. */
  readonly onDidShowEnd = this.endEmitter.event;

  constructor(private readonly engine: SessionEngine) {
    this.store.add(
      vscode.window.onDidCloseTerminal((terminal) => {
        for (const [name, entry] of this.open) if (entry.terminal === terminal) this.open.delete(name);
      }),
    );
    this.store.add(
      engine.onDidChange((change) => {
        for (const record of change.changed) this.open.get(record.name)?.pty.sessionChanged(record);
        for (const name of change.removed) this.open.get(name)?.pty.sessionChanged(undefined);
      }),
    );
  }

  /** Opens (or focuses) the session's editor terminal; with `preserveFocus`, opens it and leaves the focus where it is. */
  show(record: SessionRecord, preserveFocus = false): vscode.Terminal {
    const existing = this.open.get(record.name);
    if (existing && existing.terminal.exitStatus === undefined) {
      if (existing.id === record.id) {
        existing.terminal.show(preserveFocus);
        return existing.terminal;
      }
      existing.terminal.dispose(); // an earlier session of that name, removed since
    }
    const pty = new SessionPty(record, this.engine, () => this.endEmitter.fire(record.name));
    pty.painted.then(
      () => this.paintEmitter.fire(record.name),
      () => undefined,
    );
    const terminal = vscode.window.createTerminal({
      name: record.name,
      pty,
      location: preserveFocus ? { viewColumn: vscode.ViewColumn.Active, preserveFocus: true } : vscode.TerminalLocation.Editor,
      iconPath: new vscode.ThemeIcon('hubot'),
    });
    this.open.set(record.name, { terminal, pty, id: record.id });
    terminal.show(preserveFocus);
    return terminal;
  }

  /** Resolves when the session's open terminal has painted its screen (at once if it has). */
  whenPainted(name: string): Promise<void> {
    const entry = this.open.get(name);
    return entry ? entry.pty.painted : Promise.reject(new Error(`${name} has no open terminal`));
  }

  /** The session whose terminal is the active one, if any. */
  activeSession(): string | undefined {
    const active = vscode.window.activeTerminal;
    for (const [name, entry] of this.open) if (entry.terminal === active) return name;
    return undefined;
  }

  terminalOf(name: string): vscode.Terminal | undefined {
    return this.open.get(name)?.terminal;
  }

  dispose(): void {
    this.store.dispose();
  }
}
