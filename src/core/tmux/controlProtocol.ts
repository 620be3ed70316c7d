/**
 * tmux control mode (`tmux -C`), as pure functions: lines of the server's output turned into
 * messages. Pane output arrives as `%output %<pane> <data>`, where bytes below 32 and the
 * backslash are written as octal escapes (\ooo) and every other byte as itself; command replies
 * arrive between `%begin <time> <number> <flags>` and `%end`/`%error` with the same fields.
 */
import { sendHexKeys, TmuxArgs } from './commands';

export type ControlMessage =
  | { type: 'output'; paneId: string; data: Buffer }
  | { type: 'begin'; number: number; ours: boolean }
  | { type: 'end'; number: number; ours: boolean; error: boolean }
  | { type: 'exit'; reason: string }
  | { type: 'notification'; name: string; args: string }
  /** A line inside a command reply. */
  | { type: 'line'; text: string };

const BACKSLASH = 0x5c;

/** Decodes the data of an %output line (octal escapes) into the pane's bytes. */
export function decodeOutput(data: Buffer): Buffer {
  if (!data.includes(BACKSLASH)) return data;
  const out = Buffer.allocUnsafe(data.length);
  let length = 0;
  for (let i = 0; i < data.length; i += 1) {
    const byte = data[i];
    if (byte === BACKSLASH && i + 3 < data.length && isOctal(data[i + 1]) && isOctal(data[i + 2]) && isOctal(data[i + 3])) {
      out[length++] = ((data[i + 1] - 48) << 6) | ((data[i + 2] - 48) << 3) | (data[i + 3] - 48);
      i += 3;
    } else {
      out[length++] = byte;
    }
  }
  return out.subarray(0, length);
}

const isOctal = (byte: number | undefined): boolean => byte !== undefined && byte >= 48 && byte <= 55;

const OUTPUT_PREFIX = Buffer.from('%output ');

/**
 * Parses one line (without its newline). `inReply` says whether the line falls between a
 * %begin and its %end, where lines are reply text even when they start with "%".
 */
export function parseControlLine(line: Buffer, inReply: boolean): ControlMessage {
  if (!inReply && line.subarray(0, OUTPUT_PREFIX.length).equals(OUTPUT_PREFIX)) {
    const space = line.indexOf(0x20, OUTPUT_PREFIX.length);
    const paneId = line.subarray(OUTPUT_PREFIX.length, space < 0 ? line.length : space).toString('latin1');
    return { type: 'output', paneId, data: space < 0 ? Buffer.alloc(0) : decodeOutput(line.subarray(space + 1)) };
  }
  const text = line.toString('utf8');
  const guard = /^%(begin|end|error) (\d+) (\d+) (\d+)$/.exec(text);
  if (guard) {
    const number = Number(guard[3]);
    const ours = (Number(guard[4]) & 1) === 1;
    if (guard[1] === 'begin') return { type: 'begin', number, ours };
    return { type: 'end', number, ours, error: guard[1] === 'error' };
  }
  if (inReply) return { type: 'line', text };
  if (text === '%exit' || text.startsWith('%exit ')) return { type: 'exit', reason: text.slice(6) };
  const notification = /^%([a-z-]+) ?(.*)$/.exec(text);
  if (notification) return { type: 'notification', name: notification[1], args: notification[2] };
  return { type: 'line', text };
}

/**
 * A tmux command argument in tmux's own syntax (for commands written to a control client).
 * Anything beyond plain word characters is quoted: tmux's parser refuses some bare words,
 * such as "%0:off" (a leading "%" starts a directive).
 */
export function quoteControlArg(arg: string): string {
  if (/^[A-Za-z0-9_=.,/@+-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'"'"'`)}'`;
}

/** One command as a line for a control-mode client. */
export const controlLine = (command: TmuxArgs): string => command.map(quoteControlArg).join(' ');

/** `send-keys -H` commands that type `bytes` exactly, in chunks that keep each line short. */
export function hexKeyCommands(target: string, bytes: Buffer, chunk = 512): TmuxArgs[] {
  const commands: TmuxArgs[] = [];
  for (let start = 0; start < bytes.length; start += chunk) {
    const hex: string[] = [];
    for (const byte of bytes.subarray(start, start + chunk)) hex.push(byte.toString(16).padStart(2, '0'));
    commands.push(sendHexKeys(target, hex));
  }
  return commands;
}
