/**
 * One editor terminal bound to a session's tmux session (a Pseudoterminal over the engine's
 * terminal binding). Closing the tab detaches, the agent keeps going. When the session ends (or
 * is opened once it has ended) the tab stays: it shows the session's last screen, read-only,
 * with a line saying how it ended; R resumes a Claude Code conversation in the same tab, any
 * other key closes it with the session's exit status. Its emitters end with it.
 */
import * as vscode from 'vscode';
import { endSummary, isEnded, type SessionRecord } from '../../core/model/sessionRecord';
import type { SessionEngine } from '../../core/sessions/sessionEngine';
import { DisposableStore } from '../../core/util/disposables';
import { isInstarError } from '../../core/util/errors';

const DEFAULT_SIZE = { cols: 200, rows: 50 };
/** How much of an ended session's saved screen the tab shows (the rest is in Show Output). */
const ENDED_LINES = 1000;
/** Leaves the alternate screen, then clears the screen and its scrollback. */
const CLEAR = '\x1b[?1049l\x1b[H\x1b[2J\x1b[3J';

type Mode = 'live' | 'ending' | 'ended' | 'closed';

export class SessionPty implements vscode.Pseudoterminal {
  private readonly store = new DisposableStore();
  /** The current binding's subscriptions, replaced when the tab binds again after a resume. */
  private bindingStore = new DisposableStore();
  private readonly writeEmitter = this.store.add(new vscode.EventEmitter<string>());
  private readonly closeEmitter = this.store.add(new vscode.EventEmitter<number | void>());
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  /** Resolves when the tab has painted the session's screen (live or last); rejects if it closes first. */
  readonly painted: Promise<void>;
  private paintedSettle!: { resolve: () => void; reject: (error: Error) => void };
  private binding: ReturnType<SessionEngine['terminals']['binding']> | undefined;
  private mode: Mode = 'live';
  private size = DEFAULT_SIZE;
  /** The ended record shown, for the keys that follow. */
  private shownEnd: SessionRecord | undefined;

  constructor(
    private readonly record: SessionRecord,
    private readonly engine: SessionEngine,
    /** Called when the tab shows how the session ended. */
    private readonly onShowEnd: () => void = () => undefined,
  ) {
    this.painted = new Promise<void>((resolve, reject) => (this.paintedSettle = { resolve, reject }));
    this.painted.catch(() => undefined); // nobody has to wait for it
  }

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    if (dimensions) this.size = { cols: dimensions.columns, rows: dimensions.rows };
    const current = this.engine.get(this.record.name);
    if (!current || isEnded(current)) void this.showEnded(current);
    else this.attach(1);
  }

  /** Binds to the session; a first attempt that stalls (tmux did not answer) is made once more. */
  private attach(attempt: number): void {
    let sawData = false;
    this.mode = 'live';
    this.bindingStore.dispose();
    this.bindingStore = new DisposableStore();
    try {
      const binding = this.engine.terminals.binding(this.record.name, this.size);
      this.binding = binding;
      this.bindingStore.add(
        binding.onData((text) => {
          sawData = true;
          if (this.mode === 'live') this.writeEmitter.fire(text);
        }),
      );
      // A detach we asked for changes nothing; a session that went away shows how it ended.
      this.bindingStore.add(
        binding.onEnd(() => {
          if (this.mode === 'live') void this.engine.refresh().catch(() => undefined).then(() => this.sessionChanged(this.engine.get(this.record.name)));
        }),
      );
      binding.start().then(
        () => {
          if (sawData && this.mode === 'live') this.paintedSettle.resolve();
        },
        (error: Error) => {
          if (this.mode !== 'live') return;
          if (attempt === 1 && isInstarError(error, 'tmux-timeout')) {
            this.writeEmitter.fire(`\x1b[2m[${error.message} Attaching again…]\x1b[0m\r\n`);
            this.attach(2);
          } else this.failed(error);
        },
      );
    } catch (error) {
      this.failed(error as Error);
    }
  }

  private failed(error: Error): void {
    this.writeEmitter.fire(`\r\n\x1b[31mCould not open ${this.record.name}: ${error.message}\x1b[0m\r\n`);
    const current = this.engine.get(this.record.name);
    if (!current || isEnded(current)) void this.showEnded(current);
  }

  /** Follows the session: its end shows the last screen; a resumed session binds the tab again. */
  sessionChanged(record: SessionRecord | undefined): void {
    if (this.mode === 'closed') return;
    const live = record !== undefined && record.id === this.record.id && !isEnded(record);
    if (live && (this.mode === 'ended' || this.mode === 'ending')) {
      this.writeEmitter.fire(CLEAR);
      this.attach(1);
    } else if (!live && this.mode === 'live') void this.showEnded(record);
  }

  /** The session's last screen, read-only, and what ended it. */
  private async showEnded(record: SessionRecord | undefined): Promise<void> {
    this.mode = 'ending';
    this.binding?.close();
    this.binding = undefined;
    this.bindingStore.dispose();
    let screen: string;
    if (!record) screen = '';
    else {
      try {
        screen = await this.engine.output(record.name, { lines: ENDED_LINES, ansi: true });
      } catch (error) {
        screen = `\x1b[2m[No screen of ${this.record.name} was kept: ${(error as Error).message}]\x1b[0m`;
      }
    }
    if (this.mode !== 'ending') return; // resumed or closed meanwhile
    this.mode = 'ended';
    this.shownEnd = record;
    const how = record ? `${this.record.name} ${endSummary(record)}${record.statusDetail ? ` (${record.statusDetail})` : ''}` : `${this.record.name} was removed`;
    const keys = record?.claudeSessionId ? 'Press R to resume it here, any other key to close this tab.' : 'Press any key to close this tab.';
    this.writeEmitter.fire(`${CLEAR}${screen.replace(/\r?\n/g, '\r\n')}\x1b[0m\r\n\r\n\x1b[7m ${how} \x1b[0m ${keys}\r\n`);
    this.paintedSettle.resolve();
    this.onShowEnd();
  }

  handleInput(data: string): void {
    if (this.mode === 'live') {
      this.binding?.input(data);
      return;
    }
    if (this.mode !== 'ended') return;
    const record = this.shownEnd;
    if (record?.claudeSessionId && (data === 'r' || data === 'R')) {
      this.writeEmitter.fire('\x1b[2mResuming…\x1b[0m\r\n');
      // Through the command: it checks that the workspace may start agents, and shows any error.
      void vscode.commands.executeCommand('instar.resume', this.record.name, '');
      return;
    }
    // A key, not an escape sequence (a function key, a focus report) that came by itself.
    if (data.length === 1 || data === '\x1b') this.end(typeof record?.exitCode === 'number' ? record.exitCode : 0);
  }

  private end(code: number): void {
    if (this.mode === 'closed') return;
    this.mode = 'closed';
    this.binding?.close();
    this.paintedSettle.reject(new Error(`the terminal of ${this.record.name} ended`));
    this.closeEmitter.fire(code);
    this.bindingStore.dispose();
    this.store.dispose();
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.size = { cols: dimensions.columns, rows: dimensions.rows };
    this.binding?.resize(dimensions.columns, dimensions.rows);
  }

  /** The tab was closed: detach. */
  close(): void {
    this.mode = 'closed';
    this.binding?.close();
    this.paintedSettle.reject(new Error(`the terminal of ${this.record.name} was closed`));
    this.bindingStore.dispose();
    this.store.dispose();
  }
}
