/**
 * Binds a terminal (VS Code's Pseudoterminal, or anything that takes text and gives keys) to a
 * tmux session through control mode: paints the current screen when it opens, streams output,
 * types every keystroke byte for byte, follows resizes, and detaches on close.
 *
 * Output streams through `pipe-pane` into a FIFO rather than as control-mode %output: tmux
 * escapes every byte of %output, and for a flood of output that costs the tmux server three
 * times the CPU of the raw pipe (measured: 800 ms against 240 ms for 20 MB). The control client
 * then takes no output at all (`refresh-client -f no-output`). A pane that already has a pipe
 * (a second terminal on the same session) falls back to control-mode output. (A server crash once
 * blamed on `refresh-client -A %N:off` was tmux's attach/detach race: see controlClient.ts.)
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants, openSync, promises as fs } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tmux from '../tmux/commands';
import { ControlClient } from '../tmux/controlClient';
import { hexKeyCommands } from '../tmux/controlProtocol';
import { CommandRunner, ExecaRunner } from '../util/commandRunner';
import { InstarError, isInstarError } from '../util/errors';
import { Emitter } from '../util/emitter';
import type { Logger } from '../util/host';
import { shellQuote } from '../util/shellQuote';

export interface TerminalBindingOptions {
  binary: string;
  socketArgs: string[];
  session: string;
  cols: number;
  rows: number;
  /** Turn bracketed paste on in the terminal (Claude Code always has it on; tmux 3.3 cannot tell). */
  bracketedPaste: boolean;
  logger: Logger;
  /** Runs `mkfifo` (the engine's tool runner; execa by default). */
  runner?: CommandRunner;
  /** How long attaching and painting may take before the start is given up (START_TIMEOUT_MS). */
  startTimeoutMs?: number;
}

const { FIELD_SEPARATOR } = tmux;
/** Attaching and painting take milliseconds; past this something is stuck. */
const START_TIMEOUT_MS = 15_000;
const PANE_INFO = ['#{pane_id}', '#{pane_pipe}'].join(FIELD_SEPARATOR);
const PANE_STATE = ['#{pane_id}', '#{cursor_x}', '#{cursor_y}', '#{cursor_flag}', '#{alternate_on}', '#{keypad_cursor_flag}', '#{pane_dead}'].join(FIELD_SEPARATOR);

/**
 * Opens a FIFO for reading without blocking a thread: a libuv pipe on a read-write descriptor.
 * A plain descriptor (openSync, which cannot block on O_RDWR|O_NONBLOCK): a FileHandle would
 * close it when garbage-collected, under the socket.
 */
async function openFifo(file: string, runner: CommandRunner, logger: Logger): Promise<Socket> {
  logger.trace(`mkfifo -m 600 ${shellQuote(file)}`);
  const result = await runner.run('mkfifo', ['-m', '600', file], { timeoutMs: 10_000 });
  if (result.spawnError || result.exitCode !== 0) {
    throw new Error(`mkfifo failed: ${result.spawnError?.message ?? (result.stderr.trim() || `exit status ${result.exitCode}`)}`);
  }
  const fd = openSync(file, fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

/**
 * The shell command pipe-pane runs: copies the pane's output into the FIFO, and does nothing
 * when the FIFO is already gone (a binding closed at once), where `>>` would leave a file.
 */
const fifoWriter = (file: string): string => `[ -p ${shellQuote(file)} ] && exec cat >> ${shellQuote(file)}`;

export class TerminalBinding {
  private readonly dataEmitter = new Emitter<string>();
  private readonly endEmitter = new Emitter<string>();
  /** Text to write to the terminal. */
  readonly onData = this.dataEmitter.event;
  /** The binding ended (detached, session or server gone), with the reason. */
  readonly onEnd = this.endEmitter.event;
  private readonly decoder = new TextDecoder('utf-8');
  /** Output before the screen was captured is in the capture; after it, it is new. */
  private phase: 'before' | 'painting' | 'live' = 'before';
  private readonly held: Buffer[] = [];
  private paneId = '';
  private client: ControlClient | undefined;
  private closed = false;
  private pipe: { socket: Socket; file: string } | undefined;
  /** What start() is doing, for the error when it stalls. */
  private stage = 'not started';

  /** Subscribe to onData and onEnd, then call start(). */
  constructor(private readonly options: TerminalBindingOptions) {}

  /**
   * Attaches and paints the current screen. A start that stalls is tried once more with a new
   * control client, as a person would by closing the tab and opening it again (seen in CI, rarely:
   * a capture that got no answer in 15 s); what tmux left unanswered goes to the log.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.attachAndPaint();
        return;
      } catch (error) {
        if (attempt > 1 || this.closed || !isInstarError(error, 'tmux-timeout')) throw error;
        this.options.logger.warn(`Terminal of ${this.options.session}: ${(error as Error).message.split(';')[0]}; attaching again`);
        this.client = undefined;
        this.closePipe();
        this.phase = 'before';
        this.held.length = 0;
        this.paneId = '';
      }
    }
  }

  private async attachAndPaint(): Promise<void> {
    this.stage = 'attaching';
    const attaching = ControlClient.attach({ binary: this.options.binary, socketArgs: this.options.socketArgs, session: this.options.session, logger: this.options.logger });
    const client = await this.bounded(attaching, () => void attaching.then((late) => late.close(), () => undefined));
    this.client = client;
    client.onOutput(({ paneId, data }) => {
      if (this.client === client) this.output(paneId, data);
    });
    client.onExit((reason) => {
      // A client given up on (a start tried again) ends without ending the binding.
      if (this.client !== client) return;
      this.closePipe();
      this.endEmitter.fire(reason);
    });
    if (this.closed) {
      client.close();
      return;
    }
    try {
      await this.bounded(this.paint(client), () => client.close());
      this.stage = 'live';
      this.options.logger.debug(`Terminal of ${this.options.session} attached and painted`);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /**
   * `work`, or an error that says at which step it stalled when it takes longer than
   * its limit (START_TIMEOUT_MS): a terminal that stays blank tells nobody anything.
   */
  private async bounded<T>(work: Promise<T>, giveUp: () => void): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limitMs = this.options.startTimeoutMs ?? START_TIMEOUT_MS;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // What tmux last said and what it left unanswered, for the log and the error's cause.
        const transcript = this.client?.transcript() ?? 'no control client attached';
        this.options.logger.warn(`Terminal of ${this.options.session}: tmux did not answer while ${this.stage}: ${transcript}`);
        giveUp();
        const cause = new Error(`tmux control client ${transcript}`);
        reject(new InstarError('tmux-timeout', `tmux did not answer while ${this.stage} (${limitMs / 1000} s); close the tab and open the session again.`, { cause }));
      }, limitMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async paint(client: ControlClient): Promise<void> {
    // A start given up on and tried again leaves this one's late answers unused.
    const superseded = () => {
      if (this.client !== client) throw new InstarError('tmux-timeout', 'superseded by a new attach');
    };
    this.stage = 'sizing the window';
    await client.command(tmux.refreshClientSize(this.options.cols, this.options.rows));
    const [[info]] = await client.batch({ commands: [tmux.displayMessage(tmux.sessionPane(this.options.session), PANE_INFO)] });
    superseded();
    const [paneId, hasPipe] = (info ?? '').split(FIELD_SEPARATOR);
    this.stage = 'making the output pipe';
    const piped = hasPipe !== '1' ? await this.openPipe(client) : undefined;
    superseded();
    this.stage = 'capturing the screen';
    // Atomic: no pane output is read between these commands, so what the capture holds and what
    // streams after it neither overlap nor leave a gap.
    const commands: tmux.TmuxArgs[] = [];
    if (piped) commands.push(tmux.refreshClientFlags('no-output'), tmux.pipePaneOutput(paneId, fifoWriter(piped.file)));
    commands.push(tmux.displayMessage(paneId, PANE_STATE), tmux.captureScreen(paneId));
    const painting = () => {
      if (this.client === client) this.phase = 'painting';
    };
    const replies = await client.batch({ commands, atEnd: painting });
    superseded();
    const [state, screen] = replies.slice(-2);
    const [, x, y, cursorOn, alternate, keypadCursor] = (state[0] ?? '').split(FIELD_SEPARATOR);
    this.paneId = paneId;
    let text = '';
    if (alternate === '1') text += '\x1b[?1049h';
    text += '\x1b[H\x1b[2J';
    text += screen.join('\x1b[0m\r\n');
    text += `\x1b[0m\x1b[${Number(y) + 1};${Number(x) + 1}H`;
    text += cursorOn === '0' ? '\x1b[?25l' : '\x1b[?25h';
    if (keypadCursor === '1') text += '\x1b[?1h';
    if (this.options.bracketedPaste) text += '\x1b[?2004h';
    this.dataEmitter.fire(text);
    this.phase = 'live';
    for (const data of this.held.splice(0)) this.write(data);
  }

  /** A FIFO that pipe-pane writes the pane's raw output to; undefined when one cannot be made. */
  private async openPipe(client: ControlClient): Promise<{ file: string } | undefined> {
    const file = path.join(tmpdir(), `instar-pipe-${process.pid}-${randomUUID().slice(0, 8)}`);
    try {
      const socket = await openFifo(file, this.options.runner ?? new ExecaRunner(), this.options.logger);
      if (this.client !== client) {
        socket.destroy();
        await fs.rm(file, { force: true });
        return undefined;
      }
      socket.on('data', (data: Buffer) => this.piped(data));
      socket.on('error', (error) => this.options.logger.debug(`pipe ${file}: ${error.message}`));
      this.pipe = { socket, file };
      return { file };
    } catch (error) {
      this.options.logger.debug(`No pipe for ${this.options.session} (${(error as Error).message}); using control-mode output`);
      await fs.rm(file, { force: true }).catch(() => undefined);
      return undefined;
    }
  }

  private piped(data: Buffer): void {
    if (this.phase === 'painting' || this.phase === 'before') this.held.push(data);
    else this.write(data);
  }

  private output(paneId: string, data: Buffer): void {
    if (this.pipe || this.phase === 'before') return;
    if (this.paneId && paneId !== this.paneId) return;
    if (this.phase === 'painting') this.held.push(data);
    else this.write(data);
  }

  private write(data: Buffer): void {
    const text = this.decoder.decode(data, { stream: true });
    if (text) this.dataEmitter.fire(text);
  }

  /** Types what the user typed (or pasted), byte for byte. */
  input(data: string): void {
    if (!this.paneId || !this.client) return;
    this.client.send(hexKeyCommands(this.paneId, Buffer.from(data, 'utf8')));
  }

  resize(cols: number, rows: number): void {
    if (cols > 0 && rows > 0) this.client?.send([tmux.refreshClientSize(cols, rows)]);
  }

  get isOpen(): boolean {
    return this.client?.isOpen ?? false;
  }

  /** Detaches; the session keeps running. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pipe && this.paneId) this.client?.send([tmux.stopPipePane(this.paneId)]);
    this.client?.close();
    this.closePipe();
  }

  private closePipe(): void {
    const pipe = this.pipe;
    if (!pipe) return;
    this.pipe = undefined;
    pipe.socket.destroy();
    void fs.rm(pipe.file, { force: true }).catch(() => undefined);
  }
}
