/**
 * A tmux control-mode client (`tmux -C attach-session`) over pipes: no pseudo-terminal or
 * native module. Pane output streams as events; commands get their reply lines back in order.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { InstarError } from '../util/errors';
import type { Logger } from '../util/host';
import { Emitter } from '../util/emitter';
import { childEnvironment } from '../util/environment';
import { shellQuote } from '../util/shellQuote';
import { attachSession, TmuxArgs } from './commands';
import { controlLine, parseControlLine } from './controlProtocol';

interface Pending {
  command: string;
  resolve(lines: string[]): void;
  reject(error: Error): void;
  /** The batch it was sent in: tmux skips the rest of a line after a command of it fails. */
  batch?: number;
}

/**
 * Commands sent in one line run together, with no pane output between them. `atEnd` runs
 * synchronously when the last reply ends, before any later output is handed on.
 */
export interface Batch {
  commands: TmuxArgs[];
  atEnd?: () => void;
}

export interface ControlClientOptions {
  binary: string;
  socketArgs: string[];
  /** The session to attach to (exact name). */
  session: string;
  logger: Logger;
}

/**
 * tmux before 3.7 (fixed upstream in tmux/tmux#4980) crashes its server when a control client
 * detaches while another control client is still identifying itself: the %client-detached
 * notification is written to the newcomer before its control state exists. So no detach
 * overlaps an attach of ours: an attach waits for closing clients to be gone, and a close
 * waits for attaches in flight to be answered.
 */
const closing = new Set<Promise<void>>();
const attaching = new Set<Promise<unknown>>();

export class ControlClient {
  private readonly outputEmitter = new Emitter<{ paneId: string; data: Buffer }>();
  private readonly exitEmitter = new Emitter<string>();
  private readonly notificationEmitter = new Emitter<{ name: string; args: string }>();
  /** Pane output, decoded to the pane's bytes. */
  readonly onOutput = this.outputEmitter.event;
  /** The client ended: detached, session gone, server gone. */
  readonly onExit = this.exitEmitter.event;
  readonly onNotification = this.notificationEmitter.event;

  private readonly pending: Pending[] = [];
  private reply: { lines: string[]; ours: boolean } | undefined;
  private partial: Buffer[] = [];
  private exited = false;
  private exitReason = '';
  private closed = false;
  private batches = 0;
  /** The last lines sent and received (pane output only counted), for an error when tmux stalls. */
  private readonly recent: string[] = [];
  private outputLines = 0;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly logger: Logger,
  ) {
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr.on('data', (chunk: Buffer) => (this.exitReason += chunk.toString('utf8')));
    child.on('error', (error) => this.finish(error.message));
    child.on('close', () => this.finish(this.exitReason.trim() || 'tmux control client ended'));
    child.stdin.on('error', () => undefined);
  }

  /** Attaches and resolves once the session is attached. */
  static async attach(options: ControlClientOptions): Promise<ControlClient> {
    while (closing.size > 0) await Promise.allSettled([...closing]);
    // No await from here until `attaching` holds this attach.
    const args = [...options.socketArgs, '-C', ...attachSession(options.session)];
    options.logger.trace(`tmux ${args.map(shellQuote).join(' ')} (control mode)`);
    const child = spawn(options.binary, args, { stdio: ['pipe', 'pipe', 'pipe'], env: childEnvironment() });
    const client = new ControlClient(child, options.logger);
    const result = new Promise<ControlClient>((resolve, reject) => {
      const attached = client.onNotification((message) => {
        if (message.name === 'session-changed') {
          attached.dispose();
          exited.dispose();
          resolve(client);
        }
      });
      const exited = client.onExit((reason) => {
        attached.dispose();
        reject(new InstarError('not-found', `Could not attach to tmux session "${options.session}": ${reason}`));
      });
    });
    attaching.add(result);
    const done = () => attaching.delete(result);
    result.then(done, done);
    return result;
  }

  get isOpen(): boolean {
    return !this.exited;
  }

  /** Runs a tmux command and resolves with its reply lines. */
  command(command: TmuxArgs): Promise<string[]> {
    if (this.exited) return Promise.reject(new InstarError('session-ended', 'The tmux control client has ended.'));
    const line = controlLine(command);
    return new Promise((resolve, reject) => {
      this.pending.push({ command: line, resolve, reject });
      this.write([line]);
    });
  }

  /** Runs several commands atomically (one line joined by ";"); resolves with each reply. */
  batch(batch: Batch): Promise<string[][]> {
    if (this.exited) return Promise.reject(new InstarError('session-ended', 'The tmux control client has ended.'));
    const lines = batch.commands.map(controlLine);
    const id = ++this.batches;
    const replies: Promise<string[]>[] = lines.map(
      (line, index) =>
        new Promise<string[]>((resolve, reject) =>
          this.pending.push({
            command: line,
            resolve: (reply) => {
              if (index === lines.length - 1) batch.atEnd?.();
              resolve(reply);
            },
            reject,
            batch: id,
          }),
        ),
    );
    this.write([lines.join(' ; ')]);
    return Promise.all(replies);
  }

  /** Sends commands without waiting for their replies (typing must not wait a round trip). */
  send(commands: readonly TmuxArgs[]): void {
    if (this.exited || commands.length === 0) return;
    const lines = commands.map(controlLine);
    for (const line of lines) this.pending.push({ command: line, resolve: () => undefined, reject: () => undefined });
    this.write(lines);
  }

  /**
   * The commands still waiting for a reply and the last lines between this client and tmux,
   * for an error that says where tmux stalled.
   */
  transcript(): string {
    this.noteOutput();
    const waiting = this.pending.map((pending) => pending.command.split(' ')[0]);
    return `waiting for ${waiting.length ? waiting.join(', ') : 'nothing'}${this.reply ? ' (a reply begun, not ended)' : ''}${this.exited ? '; the client has ended' : ''}; last lines:\n  ${this.recent.join('\n  ')}`;
  }

  private remember(line: string): void {
    this.noteOutput();
    this.recent.push(line.length > 160 ? `${line.slice(0, 120)}… (${line.length} characters)` : line);
    if (this.recent.length > 40) this.recent.shift();
  }

  private noteOutput(): void {
    if (this.outputLines === 0) return;
    const lines = this.outputLines;
    this.outputLines = 0;
    this.remember(`< ${lines} %output line${lines === 1 ? '' : 's'}`);
  }

  /** Writes command lines, each traced (long ones, such as typed pastes, cut short). */
  private write(lines: readonly string[]): void {
    for (const line of lines) {
      this.logger.trace(`tmux (control) ${line.length > 200 ? `${line.slice(0, 120)}… (${line.length} characters)` : line}`);
      this.remember(`> ${line}`);
    }
    this.child.stdin.write(`${lines.join('\n')}\n`);
  }

  /** Detaches: the session keeps running. */
  close(): void {
    if (this.exited || this.closed) return;
    this.closed = true;
    const gone = new Promise<void>((resolve) => this.onExit(() => resolve()));
    closing.add(gone);
    void gone.then(() => closing.delete(gone));
    void (async () => {
      // Checked in the same tick as the detach, so no attach can start in between.
      while (attaching.size > 0) await Promise.allSettled([...attaching]);
      this.child.stdin.end();
    })();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 2000);
    timer.unref?.();
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let index = chunk.indexOf(0x0a); index >= 0; index = chunk.indexOf(0x0a, start)) {
      let line = chunk.subarray(start, index);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = Buffer.concat(this.partial);
        this.partial = [];
      }
      this.handle(line);
      start = index + 1;
    }
    if (start < chunk.length) this.partial.push(Buffer.from(chunk.subarray(start)));
  }

  private handle(line: Buffer): void {
    const message = parseControlLine(line, this.reply !== undefined);
    if (message.type === 'output') this.outputLines += 1;
    else this.remember(`< ${line.toString('utf8')}`);
    switch (message.type) {
      case 'output':
        this.outputEmitter.fire({ paneId: message.paneId, data: message.data });
        break;
      case 'begin':
        this.reply = { lines: [], ours: message.ours };
        break;
      case 'line':
        this.reply?.lines.push(message.text);
        break;
      case 'end': {
        const reply = this.reply;
        this.reply = undefined;
        if (!reply?.ours) break;
        const pending = this.pending.shift();
        if (!pending) break;
        if (!message.error) {
          pending.resolve(reply.lines);
          break;
        }
        const failure = `tmux ${pending.command.split(' ')[0]}: ${reply.lines.join(' ')}`;
        pending.reject(new InstarError('tmux-failed', failure));
        // The commands after it in its line never run, and get no reply: the next reply is not theirs.
        while (pending.batch !== undefined && this.pending[0]?.batch === pending.batch) {
          const skipped = this.pending.shift()!;
          skipped.reject(new InstarError('tmux-failed', `tmux ${skipped.command.split(' ')[0]} did not run: ${failure}`));
        }
        break;
      }
      case 'exit':
        this.exitReason = message.reason || 'detached';
        break;
      case 'notification':
        this.notificationEmitter.fire({ name: message.name, args: message.args });
        break;
    }
  }

  private finish(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.logger.trace(`tmux control client ended: ${reason}`);
    for (const pending of this.pending.splice(0)) pending.reject(new InstarError('session-ended', `The tmux control client ended: ${reason}`));
    this.exitEmitter.fire(reason);
    this.outputEmitter.dispose();
    this.notificationEmitter.dispose();
    this.exitEmitter.dispose();
  }
}
