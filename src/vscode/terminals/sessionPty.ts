/**
 * One editor terminal bound to a session's tmux session (a Pseudoterminal over the engine's
 * terminal binding). Closing the tab detaches, the agent keeps going; the session's end writes
 * how it ended and closes the terminal with its exit status. Its emitters end with it.
 */
import * as vscode from 'vscode';
import { endSummary, isEnded, type SessionRecord } from '../../core/model/sessionRecord';
import type { SessionEngine } from '../../core/sessions/sessionEngine';
import { DisposableStore } from '../../core/util/disposables';
import { isInstarError } from '../../core/util/errors';

const DEFAULT_SIZE = { cols: 200, rows: 50 };

export class SessionPty implements vscode.Pseudoterminal {
  private readonly store = new DisposableStore();
  private readonly writeEmitter = this.store.add(new vscode.EventEmitter<string>());
  private readonly closeEmitter = this.store.add(new vscode.EventEmitter<number | void>());
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  /** Resolves when the binding has painted the session's screen; rejects if the terminal ends first. */
  readonly painted: Promise<void>;
  private paintedSettle!: { resolve: () => void; reject: (error: Error) => void };
  private binding: ReturnType<SessionEngine['terminalBinding']> | undefined;
  private ended = false;

  constructor(
    private readonly record: SessionRecord,
    private readonly engine: SessionEngine,
  ) {
    this.painted = new Promise<void>((resolve, reject) => (this.paintedSettle = { resolve, reject }));
    this.painted.catch(() => undefined); // nobody has to wait for it
  }

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    this.attach(dimensions ? { cols: dimensions.columns, rows: dimensions.rows } : DEFAULT_SIZE, 1);
  }

  /** Binds to the session; a first attempt that stalls (tmux did not answer) is made once more. */
  private attach(size: { cols: number; rows: number }, attempt: number): void {
    let sawData = false;
    try {
      const binding = this.engine.terminalBinding(this.record.name, size);
      this.binding = binding;
      this.store.add(
        binding.onData((text) => {
          sawData = true;
          this.writeEmitter.fire(text);
        }),
      );
      // A detach we asked for closes nothing; a session that went away ends the terminal.
      this.store.add(
        binding.onEnd(() => {
          if (!this.ended) void this.engine.refresh().catch(() => undefined).then(() => this.sessionChanged(this.engine.get(this.record.name)));
        }),
      );
      binding.start().then(
        () => {
          if (sawData && !this.ended) this.paintedSettle.resolve();
        },
        (error: Error) => {
          if (attempt === 1 && isInstarError(error, 'tmux-timeout') && !this.ended) {
            this.writeEmitter.fire(`\x1b[2m[${error.message} Attaching again…]\x1b[0m\r\n`);
            this.attach(size, 2);
          } else this.failed(error);
        },
      );
    } catch (error) {
      this.failed(error as Error);
    }
  }

  private failed(error: Error): void {
    this.writeEmitter.fire(`\r\n\x1b[31mCould not open ${this.record.name}: ${error.message}\x1b[0m\r\n`);
    this.end(1);
  }

  /** Closes the terminal when its session has ended, with the exit status. */
  sessionChanged(record: SessionRecord | undefined): void {
    if (this.ended) return;
    if (record && record.id === this.record.id && !isEnded(record)) return;
    this.writeEmitter.fire(`\r\n\x1b[2m[session ${this.record.name} ended: ${record ? endSummary(record) : 'removed'}]\x1b[0m\r\n`);
    this.end(typeof record?.exitCode === 'number' ? record.exitCode : 0);
  }

  private end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.binding?.close();
    this.paintedSettle.reject(new Error(`the terminal of ${this.record.name} ended`));
    this.closeEmitter.fire(code);
    this.store.dispose();
  }

  handleInput(data: string): void {
    this.binding?.input(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.binding?.resize(dimensions.columns, dimensions.rows);
  }

  /** The tab was closed: detach. */
  close(): void {
    this.ended = true;
    this.binding?.close();
    this.paintedSettle.reject(new Error(`the terminal of ${this.record.name} was closed`));
    this.store.dispose();
  }
}
