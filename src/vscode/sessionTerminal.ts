/**
 * Sessions as editor terminals: a Pseudoterminal bound to the tmux session through control
 * mode. Closing the tab detaches (the agent keeps going); the session's end closes the terminal
 * with its exit status; opening a session that already has a tab focuses it.
 */
import * as vscode from 'vscode';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { isEnded, SessionRecord } from '../core/model/sessionRecord';
import type { Logger } from '../core/util/host';
import { TerminalBinding } from '../core/terminal/terminalBinding';

class SessionPty implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private binding: TerminalBinding | undefined;
  private ended = false;

  constructor(
    private readonly record: SessionRecord,
    private readonly engine: SessionEngine,
    private readonly logger: Logger,
  ) {}

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    const client = this.engine.client(this.record.tmuxSocket);
    const binding = new TerminalBinding({
      binary: client.binary,
      socketArgs: client.socketArgs(),
      session: this.record.tmuxSession,
      cols: dimensions?.columns ?? 200,
      rows: dimensions?.rows ?? 50,
      bracketedPaste: this.record.agentKind === 'claude',
      logger: this.logger,
    });
    this.binding = binding;
    binding.onData((text) => this.writeEmitter.fire(text));
    binding.onEnd(() => {
      // A detach we asked for closes nothing; a session that went away ends the terminal.
      if (!this.ended) void this.engine.refresh().catch(() => undefined).then(() => this.sessionChanged(this.engine.get(this.record.name)));
    });
    binding.start().catch((error: Error) => {
      this.writeEmitter.fire(`\r\n\x1b[31mCould not open ${this.record.name}: ${error.message}\x1b[0m\r\n`);
      this.end(1);
    });
  }

  /** Closes the terminal when its session has ended, with the exit status. */
  sessionChanged(record: SessionRecord | undefined): void {
    if (this.ended) return;
    if (record && record.id === this.record.id && !isEnded(record)) return;
    const status = record ? `${record.status}${record.exitCode !== undefined && record.exitCode !== null ? `, exit status ${record.exitCode}` : ''}` : 'removed';
    this.writeEmitter.fire(`\r\n\x1b[2m[session ${this.record.name} ended: ${status}]\x1b[0m\r\n`);
    this.end(typeof record?.exitCode === 'number' ? record.exitCode : 0);
  }

  private end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.binding?.close();
    this.closeEmitter.fire(code);
  }

  handleInput(data: string): void {
    this.binding?.input(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.binding?.resize(dimensions.columns, dimensions.rows);
  }

  close(): void {
    this.ended = true;
    this.binding?.close();
  }
}

export class SessionTerminals implements vscode.Disposable {
  private readonly open = new Map<string, { terminal: vscode.Terminal; pty: SessionPty }>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly engine: SessionEngine,
    private readonly logger: Logger,
  ) {
    this.disposables.push(
      vscode.window.onDidCloseTerminal((terminal) => {
        for (const [name, entry] of this.open) if (entry.terminal === terminal) this.open.delete(name);
      }),
    );
    const subscription = engine.onDidChange((change) => {
      for (const record of change.changed) this.open.get(record.name)?.pty.sessionChanged(record);
      for (const name of change.removed) this.open.get(name)?.pty.sessionChanged(undefined);
    });
    this.disposables.push({ dispose: () => subscription.dispose() });
  }

  /** Opens (or focuses) the session's editor terminal. */
  show(record: SessionRecord): vscode.Terminal {
    const existing = this.open.get(record.name);
    if (existing && existing.terminal.exitStatus === undefined) {
      existing.terminal.show(false);
      return existing.terminal;
    }
    const pty = new SessionPty(record, this.engine, this.logger);
    const terminal = vscode.window.createTerminal({
      name: record.name,
      pty,
      location: vscode.TerminalLocation.Editor,
      iconPath: new vscode.ThemeIcon('hubot'),
    });
    this.open.set(record.name, { terminal, pty });
    terminal.show(false);
    return terminal;
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
    for (const disposable of this.disposables) disposable.dispose();
  }
}
