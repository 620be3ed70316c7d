/**
 * Binds a terminal (VS Code's Pseudoterminal, or anything that takes text and gives keys) to a
 * tmux session through control mode: paints the current screen when it opens, streams output,
 * types every keystroke byte for byte, follows resizes, and detaches on close.
 */
import type { Logger } from '../host';
import { ControlClient } from '../tmux/controlClient';
import { hexKeyCommands } from '../tmux/controlProtocol';
import { Emitter } from '../util/emitter';

export interface TerminalBindingOptions {
  binary: string;
  socketArgs: string[];
  session: string;
  cols: number;
  rows: number;
  /** Turn bracketed paste on in the terminal (Claude Code always has it on; tmux 3.3 cannot tell). */
  bracketedPaste: boolean;
  logger: Logger;
}

const PANE_STATE = '#{pane_id}\t#{cursor_x}\t#{cursor_y}\t#{cursor_flag}\t#{alternate_on}\t#{keypad_cursor_flag}\t#{pane_dead}';

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

  /** Subscribe to onData and onEnd, then call start(). */
  constructor(private readonly options: TerminalBindingOptions) {}

  /** Attaches and paints the current screen. */
  async start(): Promise<void> {
    const client = await ControlClient.attach({ binary: this.options.binary, socketArgs: this.options.socketArgs, session: this.options.session, logger: this.options.logger });
    this.client = client;
    client.onOutput(({ paneId, data }) => this.output(paneId, data));
    client.onExit((reason) => this.endEmitter.fire(reason));
    if (this.closed) {
      client.close();
      return;
    }
    try {
      await this.paint(client);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  private async paint(client: ControlClient): Promise<void> {
    await client.command('refresh-client', '-C', `${this.options.cols}x${this.options.rows}`);
    const [[state], screen] = await client.batch({
      commands: [
        ['display-message', '-p', '-t', `=${this.options.session}:`, PANE_STATE],
        ['capture-pane', '-p', '-e', '-N', '-t', `=${this.options.session}:`],
      ],
      atEnd: () => (this.phase = 'painting'),
    });
    const [paneId, x, y, cursorOn, alternate, keypadCursor] = (state ?? '').split('\t');
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

  private output(paneId: string, data: Buffer): void {
    if (this.phase === 'before') return;
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
    if (cols > 0 && rows > 0) this.client?.send([`refresh-client -C ${cols}x${rows}`]);
  }

  get isOpen(): boolean {
    return this.client?.isOpen ?? false;
  }

  /** Detaches; the session keeps running. */
  close(): void {
    this.closed = true;
    this.client?.close();
  }
}
